import pytest

from chainrule.train.config import RECIPES, ConfigError, TrainConfig, read_config_file, recipe_of


def test_defaults_and_mapping_with_dashes_or_underscores():
    config = TrainConfig.from_mapping({"batch-size": 10, "weight_decay": 1e-4, "hidden": "128,64"})
    assert (config.batch_size, config.weight_decay, config.hidden) == (10, 1e-4, (128, 64))
    assert config.dataset == "digits" and config.epochs == 20
    assert TrainConfig.from_mapping({"lr": 3}).lr == 3.0 and isinstance(TrainConfig(lr=3).lr, float)
    assert TrainConfig(hidden=[100]).to_dict()["hidden"] == [100]


@pytest.mark.parametrize("values, message", [
    ({"batch-sise": 10}, "unknown option 'batch-sise'"),
    ({"dataset": "cifar"}, "--dataset must be one of digits, mnist, fashion-mnist"),
    ({"epochs": 0}, "--epochs must be >= 1"),
    ({"epochs": 2.5}, "--epochs must be an integer"),
    ({"lr": "fast"}, "--lr must be a number"),
    ({"quiet": 1}, "--quiet must be true or false"),
    ({"hidden": "100,x"}, "--hidden must be positive integers"),
    ({"hidden": [0]}, "--hidden must be positive integers"),
])
def test_bad_values_name_the_option(values, message):
    with pytest.raises(ConfigError, match="my.toml: option|my.toml: unknown") as info:
        TrainConfig.from_mapping(values, source="my.toml")
    assert message in str(info.value)


def test_toml_file_top_level_or_train_table(tmp_path):
    flat = tmp_path / "flat.toml"
    flat.write_text('dataset = "mnist"\nbatch-size = 10\nlr = 3.0\n')
    table = tmp_path / "table.toml"
    table.write_text('[train]\nloss = "mse"\n')
    assert read_config_file(flat) == {"dataset": "mnist", "batch-size": 10, "lr": 3.0}
    assert read_config_file(table) == {"loss": "mse"}


def test_unreadable_toml_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("lr = = 3\n")
    with pytest.raises(ConfigError, match="bad.toml: not valid TOML"):
        read_config_file(bad)
    with pytest.raises(ConfigError, match="missing.toml: cannot read it"):
        read_config_file(tmp_path / "missing.toml")


def test_each_model_trains_with_its_recipe_unless_an_option_says_otherwise():
    config, taken = TrainConfig.with_recipe(model="lenet5", dataset="mnist", epochs=2)
    assert taken == {"optimizer": "sgd", "lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4,
                     "schedule": "cosine", "batch_size": 64}
    assert (config.lr, config.momentum, config.schedule, config.epochs) == (0.05, 0.9, "cosine", 2)
    config, taken = TrainConfig.with_recipe(model="nielsen", lr=1.0)
    assert (config.loss, config.lr, config.batch_size, config.epochs) == ("mse", 1.0, 10, 30)
    digits_recipe = {"optimizer": "sgd", "lr": 0.1, "batch_size": 32, "epochs": 20}
    assert TrainConfig.with_recipe() == (TrainConfig(), digits_recipe)  # mlp's: the defaults


def test_the_mlp_trains_on_mnist_with_the_recipe_measured_there():
    config, taken = TrainConfig.with_recipe(model="mlp", dataset="mnist")
    assert taken == {"optimizer": "sgd", "lr": 0.1, "batch_size": 10, "epochs": 30,
                     "init": "fan_in_normal", "weight_decay": 5e-5}
    assert config == TrainConfig(dataset="mnist", model="mlp", **taken)
    assert recipe_of("mlp", "digits") == RECIPES["mlp"]  # no recipe for digits: the model's own
    assert recipe_of("lenet5", "mnist") == RECIPES["lenet5"]
    config, taken = TrainConfig.with_recipe(model="mlp", dataset="mnist", batch_size=100, optimizer="adam")
    assert (config.init, config.weight_decay, config.batch_size, config.epochs) == ("fan_in_normal", 0.0, 100, 30)


def test_another_optimizer_drops_the_recipes_optimizer_settings():
    config, taken = TrainConfig.with_recipe(model="cnn_bn", optimizer="adam")
    assert (config.lr, config.momentum, config.weight_decay) == (0.1, 0.0, 0.0)
    assert taken == {"schedule": "cosine", "batch_size": 64, "epochs": 10}
