import numpy as np

from chainrule.train.metrics import confusion_matrix, format_confusion_matrix, per_class_accuracy


def test_confusion_matrix_rows_are_true_classes():
    matrix = confusion_matrix([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0], 4)
    expected = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
    np.testing.assert_array_equal(matrix, expected)
    np.testing.assert_array_equal(per_class_accuracy(matrix), [1.0, 0.5, 2 / 3, np.nan])
    text = format_confusion_matrix(matrix, ["a", "b", "c", "d"]).splitlines()
    assert text[0].split() == ["true", "\\", "pred", "a", "b", "c", "d"]
    assert text[3].split() == ["c", "1", "0", "2", "0"]
