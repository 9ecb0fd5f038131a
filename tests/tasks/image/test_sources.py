"""Image sources: folders, samples, the standard sets' local paths."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from linksim.errors import LinksimError
from linksim.base.registry import DATASETS
from linksim.base.seeding import seed_everything


def write_png(path, h, w, value):
    Image.fromarray(np.full((h, w, 3), value, dtype=np.uint8)).save(path)


def test_folder_order_crop_count(tmp_path):
    write_png(tmp_path / "b.png", 40, 50, 200)
    write_png(tmp_path / "a.png", 30, 60, 100)
    (tmp_path / "notes.txt").write_text("ignored")
    data = DATASETS.get("folder")(path=tmp_path)
    assert data.names == ["a.png", "b.png"]
    assert data[0].shape == (3, 30, 60) and data[0].dtype == torch.float32
    assert data[0].max().item() == pytest.approx(100 / 255)
    cropped = DATASETS.get("folder")(path=tmp_path, crop=[20, 24], count=1)
    assert len(cropped) == 1 and cropped[0].shape == (3, 20, 24)
    with pytest.raises(LinksimError, match="smaller than crop 32x32"):
        DATASETS.get("folder")(path=tmp_path, crop=32)[0]


def test_center_and_random_crop_positions(tmp_path):
    img = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    Image.fromarray(img).save(tmp_path / "x.png")
    center = DATASETS.get("folder")(path=tmp_path, crop=4)[0]
    assert torch.equal(center, torch.from_numpy(img[3:7, 4:8]).permute(2, 0, 1).float() / 255)
    seed_everything(1)
    r1 = DATASETS.get("folder")(path=tmp_path, crop=4, crop_mode="random")[0]
    seed_everything(1)
    r2 = DATASETS.get("folder")(path=tmp_path, crop=4, crop_mode="random")[0]
    assert torch.equal(r1, r2)


def test_samples_are_embedded():
    data = DATASETS.get("samples")(crop=64)
    assert len(data) == 7 and all(data[i].shape == (3, 64, 64) for i in range(7))


def test_kodak_local(kodak_dir):
    data = DATASETS.get("kodak")(path=kodak_dir)
    assert len(data) == 24 and data.names[0] == "kodim01.png"
    assert data[0].shape in ((3, 512, 768), (3, 768, 512))


def test_kodak_checksums_match_the_local_copy(kodak_dir):
    from linksim.tasks.image.sources.download import sha256
    from linksim.tasks.image.sources.standard import KODAK_SHA256

    assert [sha256(kodak_dir / f"kodim{i:02d}.png") for i in range(1, 25)] == list(KODAK_SHA256)


def test_offline_download_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LINKSIM_DATA", str(tmp_path))
    import pooch

    def offline(*args, **kwargs):
        raise ConnectionError("offline")

    monkeypatch.setattr(pooch, "retrieve", offline)
    with pytest.raises(LinksimError, match="download from .* failed.*\\[source\\] path"):
        DATASETS.get("div2k")(split="train")
    with pytest.raises(LinksimError, match="split='test': choose one of valid, train"):
        DATASETS.get("div2k")(split="test")


def test_div2k_and_cifar_from_local_copies(tmp_path):
    write_png(tmp_path / "0801.png", 20, 30, 5)
    assert DATASETS.get("div2k")(path=tmp_path).names == ["0801.png"]
    import pickle

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    data = np.random.default_rng(0).integers(0, 256, (5, 3072), dtype=np.uint8)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": data}, f)
    cifar = DATASETS.get("cifar10")(path=folder, count=3)
    assert len(cifar) == 3
    assert torch.equal(cifar[1], torch.from_numpy(data[1].reshape(3, 32, 32)).float() / 255)


class _Archive:
    """A small zip served from 127.0.0.1 by a thread; ``mode`` chooses the behaviour."""

    def __init__(self, tmp_path):
        import io
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("set/a.txt", "hello" * 1000)
        self.data, self.mode = buf.getvalue(), "ok"

    def __enter__(self):
        import http.server
        import threading

        archive = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = archive.data
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 3] if archive.mode == "cut" else body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/set.zip"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_real_download_path_against_a_local_server(tmp_path, monkeypatch):
    """pooch (with its tqdm progress bar) downloads, verifies and unpacks; a checksum
    mismatch and an interrupted transfer are one-line errors that leave nothing behind."""
    import hashlib

    from linksim.tasks.image.sources.download import fetch_archive

    monkeypatch.setenv("LINKSIM_DATA", str(tmp_path / "cache"))
    with _Archive(tmp_path) as srv:
        good = "sha256:" + hashlib.sha256(srv.data).hexdigest()
        with pytest.raises(LinksimError, match="does not match its checksum"):
            fetch_archive(srv.url, "set.zip", "set", "sha256:" + "0" * 64, "test set")
        srv.mode = "cut"
        with pytest.raises(LinksimError, match="download from .* failed"):
            fetch_archive(srv.url, "set.zip", "set", good, "test set")
        assert not (tmp_path / "cache" / "set").exists()
        assert not (tmp_path / "cache" / "set.zip").exists()
        srv.mode = "ok"
        path = fetch_archive(srv.url, "set.zip", "set", good, "test set")
        assert (path / "a.txt").read_text() == "hello" * 1000
