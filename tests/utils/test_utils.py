"""``chainrule.utils.data`` is ``chainrule.data``, loaded by ``import chainrule`` as
``torch.utils.data`` is by ``import torch``."""
import subprocess
import sys

import chainrule


def test_utils_data_is_the_data_package():
    from chainrule.utils.data import DataLoader, Dataset, TensorDataset
    import chainrule.utils.data as data
    assert data is chainrule.data and chainrule.utils.data is chainrule.data
    assert (DataLoader, Dataset, TensorDataset) == (chainrule.data.DataLoader, chainrule.data.Dataset,
                                                    chainrule.data.TensorDataset)


def test_plain_import_loads_it(subprocess_env):
    code = "import chainrule; print(chainrule.utils.data.DataLoader.__name__, chainrule.data.Dataset.__name__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env, check=True)
    assert result.stdout.split() == ["DataLoader", "Dataset"]


def test_submodules_are_the_same_modules():
    from chainrule.utils.data.dataloader import default_collate
    from chainrule.utils.data.sampler import SubsetRandomSampler
    assert SubsetRandomSampler is chainrule.data.SubsetRandomSampler
    assert default_collate is chainrule.data.default_collate
