"""The Python module mnemo: data from arrays and DATA strings, build, exact verify, predict,
inspect, export, exact weights, errors, and to_torch on every construction (every label)."""
import fractions
import json

import numpy as np
import pytest
import torch

import mnemo

DATA = "synthetic:gaussian-clusters?n=120&d=4&classes=3&sigma=0.3&seed=7"
CONSTRUCTIONS = ["zhang", "bitextract", "vershynin", "baum", "bubeck", "yun"]


@pytest.fixture(scope="module")
def data():
    return mnemo.load(DATA)


@pytest.fixture(scope="module")
def nets(data):
    out = {}
    for c in CONSTRUCTIONS:
        # bitextract's default weights need more than 53 bits: ask for float64-exact ones.
        options = {"max_weight_bits": 53} if c == "bitextract" else {}
        net, report = mnemo.build(data, c, seed=3, **options)
        assert report["status"] == "success", (c, report.get("reason"))
        assert report["verification"]["all_correct"] is True
        out[c] = net
    return out


def test_every_construction_is_there():
    assert sorted(mnemo.constructions()) == sorted(CONSTRUCTIONS)


@pytest.mark.parametrize("c", CONSTRUCTIONS)
def test_build_verify_predict_torch(c, data, nets):
    net = nets[c]
    v = mnemo.verify(net, data)
    assert v["all_correct"] and v["checked"] == data.rows
    labels = data.labels.astype(np.int64)
    assert (mnemo.predict(net, data.x) == labels).all()
    module = mnemo.to_torch(net, data=data)  # float64, checked on the data
    assert isinstance(module, torch.nn.Module)
    got = module(torch.from_numpy(data.x)).numpy()
    assert (got == labels).all(), f"{(got != labels).sum()} of {len(labels)} wrong in torch"


def test_outputs_of_every_kind_are_covered(nets):
    assert {n.output for n in nets.values()} == {"value", "argmax", "bits"}


def test_exact_weights_are_python_ints(nets):
    net = nets["bitextract"]
    layer = net.layers[0]
    assert all(isinstance(w, int) for w in layer.weight_numerators)
    assert isinstance(layer.denominator, int) and layer.denominator > 0
    dense = net.weight(0)
    assert dense.shape == (layer.outputs, layer.inputs) and dense.dtype == np.float64
    j = json.loads(net.to_json())  # the same numbers as the network file
    assert [int(w) for w in j["layers"][0]["weight"]] == layer.weight_numerators
    assert all(isinstance(c, fractions.Fraction) for c in net.input_center)
    k = layer.row_ptr[1] - 1 if layer.row_ptr[1] > 0 else 0
    if layer.row_ptr[1] > 0:
        exact = fractions.Fraction(layer.weight_numerators[k], layer.denominator)
        assert float(exact) == dense[0, layer.col[k]] or layer.col.count(layer.col[k]) > 1


@pytest.mark.parametrize("c", CONSTRUCTIONS)
def test_text_labels_stay_text_everywhere(c, tmp_path):
    # The class names travel from the arrays into the network file, predict, verify, inspect,
    # the npz metadata and to_torch; a saved and reloaded network still has them.
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(50, 6)).astype(np.uint8)
    y = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 50)]
    d = mnemo.data(X, y)
    assert d.d == 6 and d.class_names == ["cat", "dog", "emu"] and list(d.labels) == list(y)
    options = {"max_weight_bits": 53} if c == "bitextract" else {}
    net, report = mnemo.build(d, c, **options)
    assert report["status"] == "success", report.get("reason")
    assert net.class_names == ["cat", "dog", "emu"]
    assert list(mnemo.predict(net, X)) == list(y)
    assert mnemo.verify(net, d)["all_correct"] is True
    assert mnemo.inspect(net)["labels"] == ["cat", "dog", "emu"]
    path = str(tmp_path / "n.json")
    net.save(path)
    again = mnemo.Network.load(path)
    assert again.class_names == net.class_names and json.loads(again.to_json())["version"] == 2
    assert list(mnemo.predict(again, X)) == list(y)
    check = mnemo.export(net, str(tmp_path / "n.npz"), d, allow_inexact=True)
    meta = json.loads(str(np.load(tmp_path / "n.npz")["metadata"]))
    assert meta["class_names"] == ["cat", "dog", "emu"]
    if check["exact"]:  # torch computes in float64: it promises the labels only then
        assert mnemo.to_torch(net).names(X) == list(y)
    # The same points with other text labels: verify counts every row whose label changed.
    other = mnemo.data(X, np.where(y == "cat", "cow", y))
    v = mnemo.verify(net, other)
    assert v["mismatches"] == int((y == "cat").sum()) and v["first_mismatches"][0]["got"] == "cat"


def test_inspect_save_load_and_export(tmp_path, data, nets):
    net = nets["zhang"]
    info = mnemo.inspect(net)
    assert info["construction"] == "zhang" and info["network"]["depth"] == len(net.layers)
    path = str(tmp_path / "n.json")
    net.save(path)
    again = mnemo.Network.load(path)
    assert again.to_json() == net.to_json()
    check = mnemo.export(net, str(tmp_path / "n.npz"), data)
    assert check["exact"] is True and check["check"]["rows"] == data.rows
    t = np.load(tmp_path / "n.npz")
    assert json.loads(str(t["metadata"]))["exact"] is True


def test_errors_are_mnemo_errors_with_mnemo_messages(data, nets):
    with pytest.raises(mnemo.Error, match="unknown parameter \"colour\""):
        mnemo.load("synthetic:ball?n=20&colour=red")
    with pytest.raises(mnemo.Error, match="the network reads 4 inputs but the data has 3"):
        mnemo.verify(nets["zhang"], mnemo.load("synthetic:ball?n=20&d=3"))
    with pytest.raises(ValueError):  # mnemo.Error is a ValueError
        mnemo.build(data, "nope")
    with pytest.raises(mnemo.Error, match="float32 needs data"):
        mnemo.to_torch(nets["zhang"], dtype=torch.float32)


def test_float32_only_where_exact():
    d = mnemo.load("synthetic:grid?n=200&d=4&delta=1e-6&classes=5")
    net, report = mnemo.build(d, "bitextract", depth=8)
    assert report["status"] == "success"
    with pytest.raises(mnemo.Error, match="rows of .* wrong"):
        mnemo.to_torch(net, dtype=torch.float32, data=d)
    assert mnemo.verify(net, d, mode="float32")["exact"] is False
