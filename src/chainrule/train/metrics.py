"""Classification metrics of an evaluation: confusion matrix and per-class accuracy."""
import numpy as np


def confusion_matrix(targets, predictions, num_classes):
    """(num_classes, num_classes) counts: row = true class, column = predicted class."""
    targets = np.asarray(targets, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    flat = np.bincount(targets * num_classes + predictions, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def per_class_accuracy(matrix):
    """Fraction of each true class predicted right (NaN for a class with no example)."""
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(matrix) / totals


def format_confusion_matrix(matrix, class_names):
    """The matrix as text, one row per true class, with a header of predicted classes."""
    names = [str(name) for name in class_names]
    width = max(4, *(len(n) for n in names), len(str(int(matrix.max(initial=0))))) + 1
    label_width = max(len(_CORNER), *(len(n) for n in names)) + 2
    header = _CORNER.ljust(label_width) + "".join(n.rjust(width) for n in names)
    rows = [name.ljust(label_width) + "".join(f"{int(count):>{width}}" for count in row)
            for name, row in zip(names, matrix)]
    return "\n".join([header, *rows])


_CORNER = "true \\ pred"
