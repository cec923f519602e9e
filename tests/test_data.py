"""The shipped iris data (data/) and the schema pictures (data/schemas/)."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

ARTICLE_X = torch.tensor([[7.4, 2.8, 6.1, 1.9], [6.7, 3.1, 5.6, 2.4], [6.0, 3.4, 4.5, 1.6]])
ARTICLE_Y = torch.tensor([2, 2, 1])


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def make_data():
    return load_module(DATA / "make_data.py", "nnkit_make_data")


@pytest.fixture(scope="module")
def tensors():
    return torch.load(DATA / "data.pt"), torch.load(DATA / "target.pt")


def test_data_files_hold_150_rows_of_four_float32_features(tensors):
    X, y = tensors
    assert type(X) is torch.Tensor and type(y) is torch.Tensor
    assert X.dtype == torch.float32 and X.shape == (150, 4)
    assert y.dtype == torch.int64 and y.shape == (150,)
    assert not X.requires_grad and not y.requires_grad


def test_first_rows_are_the_articles(tensors):
    X, y = tensors
    torch.testing.assert_close(X[:3], ARTICLE_X)
    assert y[:3].tolist() == ARTICLE_Y.tolist()


def test_every_class_has_50_rows(tensors):
    _, y = tensors
    assert Counter(y.tolist()) == {0: 50, 1: 50, 2: 50}


def test_rows_are_shuffled_so_both_splits_see_every_class(tensors):
    _, y = tensors
    assert set(y[:100].tolist()) == {0, 1, 2}
    assert set(y[100:].tolist()) == {0, 1, 2}


def test_rows_match_the_plain_text_source_as_a_set(tensors):
    with open(DATA / "iris.csv", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        source = [(tuple(float(v) for v in row[:4]), int(row[4])) for row in reader if row]
    assert header == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    assert len(source) == 150
    X, y = tensors
    # Compare as multisets of float32 values: iris has one duplicated row.
    shipped = Counter(zip(map(tuple, X.tolist()), y.tolist()))
    expected = Counter(
        (tuple(torch.tensor(features).tolist()), label) for features, label in source
    )
    assert shipped == expected


def test_plain_text_source_is_in_the_canonical_order():
    with open(DATA / "iris.csv", newline="") as f:
        labels = [int(row[4]) for row in list(csv.reader(f))[1:]]
    assert labels == [0] * 50 + [1] * 50 + [2] * 50


def test_make_data_reproduces_the_committed_files(make_data, tmp_path, tensors):
    make_data.write(tmp_path)
    for name, committed in zip(["data.pt", "target.pt"], tensors):
        made = torch.load(tmp_path / name)
        assert made.dtype == committed.dtype
        assert torch.equal(made, committed), f"{name} is stale: run python data/make_data.py"
    assert make_data.differences(DATA) == []


def test_make_data_check_fails_on_a_changed_file(make_data, tmp_path, tensors):
    make_data.write(tmp_path)
    assert make_data.differences(tmp_path) == []
    X, _ = tensors
    torch.save(X.flip(0), tmp_path / "data.pt")
    assert len(make_data.differences(tmp_path)) == 1
    (tmp_path / "target.pt").unlink()
    assert len(make_data.differences(tmp_path)) == 2


def test_make_data_check_command_passes_on_the_committed_files():
    result = subprocess.run([sys.executable, str(DATA / "make_data.py"), "--check"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


SCHEMA_LAYERS = {
    "schema_a": [("Linear", 8, 32), "ReLU", ("Linear", 32, 16), "ReLU", ("Linear", 16, 1)],
    "schema_b": [("Linear", 6, 12), "ReLU", ("Linear", 12, 1), "Sigmoid"],
    "schema_c": [("Linear", 20, 64), "ReLU", ("Linear", 64, 32), "ReLU", ("Linear", 32, 5),
                 "Softmax"],
}


@pytest.mark.parametrize("name", sorted(SCHEMA_LAYERS))
def test_schema_pictures_are_shipped_as_small_pngs(name):
    path = DATA / "schemas" / f"{name}.png"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) < 100_000


@pytest.mark.parametrize("name", sorted(SCHEMA_LAYERS))
def test_schema_table_draws_the_contracts_layers(name):
    draw = load_module(DATA / "schemas" / "draw_schemas.py", "nnkit_draw_schemas")
    _, _, in_features, layers, _ = draw.SCHEMAS[name]
    described = []
    for layer in layers:
        if isinstance(layer, tuple):
            described.append(("Linear", in_features, layer[1]))
            in_features = layer[1]
        else:
            described.append(layer)
    assert described == SCHEMA_LAYERS[name]
