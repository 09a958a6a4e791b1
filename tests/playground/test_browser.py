"""The page in a real browser: headless Chromium driven by Selenium, against a live server.

Skipped when Chromium, its driver or Selenium is missing (Debian: apt-get install chromium
chromium-driver). Every number the page shows is checked against the same computation run
here by the library: a network session with the page's settings and seed makes the same
data, weights and mini-batches.
"""
import os
import shutil

from pathlib import Path

import numpy as np
import pytest

from chainrule.explain import examples
from chainrule.playground import network

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER),
                                reason="no Chromium and chromedriver (apt-get install chromium chromium-driver)")
WAIT_S = 60


@pytest.fixture(scope="module")
def url(playground_home, serve):
    from chainrule.playground.app import create_app

    with pytest.MonkeyPatch.context() as patch:  # the embedded 8x8 digits, the model cached there
        patch.setenv("CHAINRULE_HOME", str(playground_home))
        app = create_app()
    with serve(app, WAIT_S) as address:
        yield address


@pytest.fixture(scope="module")
def driver(url):
    """One headless Chromium for the module (starting one costs seconds)."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--no-first-run", "--window-size=1300,960"):
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))  # no Selenium Manager download
    driver.implicitly_wait(WAIT_S)
    yield driver
    driver.quit()


@pytest.fixture
def browser(driver, url):
    """The page freshly loaded (a new tab's state), the console log emptied."""
    driver.get(url)
    driver.get_log("browser")
    return driver


@pytest.fixture
def screenshot(tmp_path):
    """``screenshot(name)``: save the page as name.png, in ``$CHAINRULE_SCREENSHOTS`` when set
    (``CHAINRULE_SCREENSHOTS=docs/images`` redraws the README's pictures), else in tmp_path."""
    folder = Path(os.environ.get("CHAINRULE_SCREENSHOTS", tmp_path))

    def save(driver, name):
        path = folder / f"{name}.png"
        assert driver.save_screenshot(str(path)), path
        return path

    return save


def wait_for(driver, condition):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # a reply may redraw the element between finding it and reading it: look again
    return WebDriverWait(driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def by_id(driver, element_id):
    return driver.find_element("id", element_id)


def console_errors(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def test_step_then_step_backward_shows_the_servers_gradients(browser):
    wait_for(browser, lambda d: by_id(d, "stat-steps").text == "0")
    by_id(browser, "step").click()
    wait_for(browser, lambda d: by_id(d, "stat-steps").text == "1")
    by_id(browser, "backward").click()
    wait_for(browser, lambda d: by_id(d, "bp-progress").text.startswith("step 0 of"))
    # the same session, computed here: the page's default settings and seed 0
    session = network.NetworkSession(network.read_settings({}))
    session.train(1)
    expected = session.backward()
    clicks = 0
    while "BP2" not in by_id(browser, "bp-step").text:  # output delta, output weights, then BP2
        by_id(browser, "bp-next").click()
        clicks += 1
        assert clicks < 5
    shown = by_id(browser, "bp-delta").find_element("css selector", "span")
    neuron = 0  # the first BP2 step is neuron 1 of the last hidden layer, example 1
    exact = expected["layers"][-2]["delta"][0][neuron]
    assert float(shown.get_attribute("title")) == exact  # the full number, as the server sent it
    assert float(shown.text) == pytest.approx(exact, rel=1e-5)  # shown to 6 digits
    assert "upstream × local" in by_id(browser, "bp-step").text
    assert console_errors(browser) == []


def test_circuit_view_steps_to_docs_gradients(browser):
    by_id(browser, "tab-circuit").click()
    wait_for(browser, lambda d: by_id(d, "c-progress").text == "step 0 of 10")
    by_id(browser, "c-next").click()
    assert "x = -2" in by_id(browser, "c-step").text
    by_id(browser, "c-all").click()
    ex = examples.circuit()
    for name in ("x", "y", "z"):
        label = browser.find_element("css selector", f'#circuit-svg g[data-name="{name}"] text.g')
        assert float(label.text.removeprefix("d=")) == ex.trace.gradients[name]
    assert console_errors(browser) == []


def test_a_bad_expression_is_a_message_on_the_page(browser):
    by_id(browser, "tab-circuit").click()
    wait_for(browser, lambda d: by_id(d, "c-progress").text == "step 0 of 10")
    field = by_id(browser, "expression")
    field.clear()
    field.send_keys("x.__class__")
    by_id(browser, "run-expression").click()
    message = wait_for(browser, lambda d: by_id(d, "message").is_displayed() and by_id(d, "message"))
    assert "attribute access not allowed" in message.text
    # the server keeps serving: a good expression clears the message
    field.clear()
    field.send_keys("x * y")
    values = by_id(browser, "values")
    values.clear()
    values.send_keys("x=3, y=4")
    by_id(browser, "run-expression").click()
    wait_for(browser, lambda d: not by_id(d, "message").is_displayed())
    assert by_id(browser, "c-progress").text == "step 0 of 6"
    # Chromium logs the 400 as a failed resource load; nothing else may be logged
    errors = [e for e in console_errors(browser) if "status of 400" not in e["message"]]
    assert errors == []


def test_xor_preset_trains_below_a_test_loss_of_0_1(browser, screenshot):
    from selenium.webdriver.support.ui import Select

    Select(by_id(browser, "preset")).select_by_visible_text("xor")
    wait_for(browser, lambda d: by_id(d, "stat-steps").text == "0" and by_id(d, "dataset").get_attribute("value") == "xor")
    Select(by_id(browser, "speed")).select_by_visible_text("20")
    by_id(browser, "play").click()
    wait_for(browser, lambda d: float(by_id(d, "stat-test").text) < 0.1)
    by_id(browser, "play").click()
    assert by_id(browser, "play").text == "Play"
    requests = browser.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert any("/api/network/stream?" in name for name in requests)  # Play streamed its frames
    assert not any("/api/network/train" in name for name in requests)  # rather than asking for each
    by_id(browser, "backward").click()
    wait_for(browser, lambda d: by_id(d, "bp-progress").text.startswith("step 0 of"))
    while "BP2" not in by_id(browser, "bp-step").text:
        by_id(browser, "bp-next").click()
    by_id(browser, "bp-next").click()
    screenshot(browser, "playground-network")
    assert console_errors(browser) == []
    assert int(by_id(browser, "stat-steps").text) <= 2000
    assert np.isfinite(float(by_id(browser, "stat-train").text))


def test_circuit_slider_recomputes_and_nudge_compares(browser):
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    by_id(browser, "tab-circuit").click()
    wait_for(browser, lambda d: by_id(d, "c-progress").text == "step 0 of 10")
    by_id(browser, "c-all").click()
    slider = browser.find_element("css selector", '#c-sliders input[data-name="x"]')
    for _ in range(5):
        slider.send_keys(Keys.ARROW_RIGHT)
    x = float(slider.get_attribute("value"))
    assert x > -2
    ex = examples.circuit(x=x)
    label = lambda name: browser.find_element("css selector", f'#circuit-svg g[data-name="{name}"] text.g')
    wait_for(browser, lambda d: float(label("z").text.removeprefix("d=")) == pytest.approx(ex.trace.gradients["z"], rel=1e-5))
    value = browser.find_element("css selector", '#circuit-svg g[data-name="f"] text.v')
    assert float(value.text) == pytest.approx(ex.output.item(), rel=1e-5)
    assert by_id(browser, "c-progress").text == "step 10 of 10"  # the step shown stays
    Select(by_id(browser, "nudge-name")).select_by_visible_text("z")
    by_id(browser, "nudge").click()
    predicted = wait_for(browser, lambda d: d.find_element("css selector", "#nudge-predicted span"))
    measured = browser.find_element("css selector", "#nudge-measured span")
    # f = (x + y) * z is linear in z: h * df/dz = f(z + h) - f(z) = 0.01 * (x + y)
    assert float(predicted.get_attribute("title")) == pytest.approx(0.01 * (x + 5), abs=1e-12)
    assert float(measured.get_attribute("title")) == pytest.approx(0.01 * (x + 5), abs=1e-12)
    assert console_errors(browser) == []


def test_circuit_fan_out_sums_as_it_accumulates(browser, screenshot):
    from selenium.webdriver.support.ui import Select

    by_id(browser, "tab-circuit").click()
    wait_for(browser, lambda d: by_id(d, "c-progress").text == "step 0 of 10")
    Select(by_id(browser, "circuit-example")).select_by_visible_text("staged")
    wait_for(browser, lambda d: by_id(d, "circuit-title").text.startswith("Worked example 3"))
    seen = []
    while not by_id(browser, "c-next").get_property("disabled"):
        by_id(browser, "c-next").click()
        text = by_id(browser, "c-step").text
        if "fan-out: x feeds" in text:
            seen.append(text)
    assert len(seen) == 3  # x reaches f along three paths: sigmoid(x), x + sigmoid(y), x + y
    assert "upstream" in seen[0] and "×" in seen[0]
    total = examples.staged().trace.gradients["x"]
    last = seen[-1].splitlines()[-2]
    assert last.count("+") == 2 and float(last.split("= ")[-1]) == pytest.approx(total, rel=1e-5)
    while "contribution 2 of 3" not in by_id(browser, "c-step").text:  # back to a sum half done
        by_id(browser, "c-prev").click()
    assert "so far" in by_id(browser, "c-step").text
    Select(by_id(browser, "nudge-name")).select_by_visible_text("x")
    by_id(browser, "nudge").click()
    wait_for(browser, lambda d: d.find_elements("id", "nudge-measured"))
    screenshot(browser, "playground-circuit")
    assert console_errors(browser) == []


def draw_stroke(browser, points):
    """Press the mouse at the first of ``points`` (pixels from the canvas's centre), move
    through the others, release."""
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = by_id(browser, "digit-canvas")
    actions = ActionChains(browser).move_to_element_with_offset(canvas, *points[0]).click_and_hold()
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        actions.move_by_offset(x1 - x0, y1 - y0)
    actions.release().perform()


def test_drawing_a_one_is_read_as_a_one(browser, screenshot):
    by_id(browser, "tab-digits").click()
    wait_for(browser, lambda d: "test accuracy" in by_id(d, "digit-status").text)
    wait_for(browser, lambda d: d.find_elements("id", "digit-prediction"))  # the blank canvas's reply
    draw_stroke(browser, [(-45, -70), (-20, -95), (5, -115)] + [(5, -95 + 20 * k) for k in range(11)])  # flag, then down
    wait_for(browser, lambda d: by_id(d, "digit-prediction").text == "1")
    probability = lambda d: float(d.find_element("css selector", '.prob[data-k="1"] .p').text.rstrip("%"))
    wait_for(browser, lambda d: probability(d) > 50)
    assert len(browser.find_elements("css selector", "#digit-maps .map canvas")) == 2 * (8 + 8 + 16 + 16)
    assert "score of 1" in by_id(browser, "digit-grad-caption").text
    screenshot(browser, "playground-digits")
    browser.find_element("css selector", '.prob[data-k="7"]').click()  # the gradient of another class
    wait_for(browser, lambda d: "score of 7" in by_id(d, "digit-grad-caption").text)
    assert console_errors(browser) == []


def test_gradients_toggle_recolours_the_weights_and_back(browser):
    wait_for(browser, lambda d: by_id(d, "stat-steps").text == "0")
    by_id(browser, "backward").click()
    wait_for(browser, lambda d: by_id(d, "bp-progress").text.startswith("step 0 of"))
    picture = lambda: browser.execute_script("return document.getElementById('network-canvas').toDataURL()")
    weights = picture()
    by_id(browser, "show-gradients").click()
    by_gradient = picture()
    assert by_gradient != weights  # every line now coloured by -dC/dw
    by_id(browser, "show-gradients").click()
    assert picture() == weights
    assert console_errors(browser) == []
