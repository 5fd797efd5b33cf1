"""The block-device plugin through the real mesh (`smaug up`), end to end via the api: protect an
image file, change 1 %, protect again, restore both checkpoints into new files and compare them
byte for byte with the image as it was; verify; refuse an existing target."""

from __future__ import annotations

import filecmp
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from plugins.conftest import tree_size
from plugins.test_blockdev import WRITE, make_image, scatter_writes
from plugins.test_e2e import PROVIDER, Api, resource_state
from smaug.plugins import blockdev
from smaug.v1 import checkpoints_pb2, common_pb2
from support.mesh import smaug_up

MiB = 1024 * 1024
DEVICE = "Smaug::BlockDevice"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Path]]:
    tmp = tmp_path_factory.mktemp("blockdev-e2e")
    (tmp / "images").mkdir()
    config = {
        "providers": [
            {
                "id": PROVIDER,
                "name": "Block devices",
                "description": "block devices and disk images",
                "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                "plugins": [
                    {
                        "name": "blockdev",
                        "command": [sys.executable, "-m", "smaug.plugins.blockdev"],
                        "settings": {"devices": [str(tmp / "images" / "disk.img")]},
                    }
                ],
            }
        ]
    }
    path = tmp / "smaug.yaml"
    path.write_text(yaml.safe_dump(config))
    with smaug_up(tmp / "data", {"SMAUG_CONFIG": str(path)}) as mesh:
        api = Api(mesh)
        yield api, tmp
        api.channel.close()


def test_image_file_protect_change_protect_restore(world: tuple[Api, Path]) -> None:
    api, tmp = world
    image = tmp / "images" / "disk.img"
    make_image(image, 64)
    first_copy = tmp / "first.img"
    shutil.copyfile(image, first_copy)
    plan_id = api.plan(DEVICE, str(image), {})

    first = api.protect(plan_id)
    assert first.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, first.status_reason
    state = resource_state(first)
    assert f"protected {image}" in state.reason and blockdev.LIVE_WARNING in state.reason
    assert state.progress.bytes_done == 64 * MiB
    bank_first = tree_size(tmp / "bank")

    changed = scatter_writes(image)
    second_copy = tmp / "second.img"
    shutil.copyfile(image, second_copy)
    second = api.protect(plan_id)
    assert second.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, second.status_reason
    growth = tree_size(tmp / "bank") - bank_first
    print(f"\ne2e: bank {bank_first / MiB:.1f} MiB, grew {growth / MiB:.2f} MiB for {changed} B")
    # Each scattered write dirties at most two of the fixed chunks (WRITE < chunk size).
    touched = changed // WRITE * (WRITE // blockdev.CHUNK_SIZE + 2) * blockdev.CHUNK_SIZE
    assert growth <= touched + 1 * MiB, (growth, changed)

    for checkpoint, expected in ((first, first_copy), (second, second_copy)):
        target = tmp / "restored" / f"{checkpoint.id}.img"
        target.parent.mkdir(exist_ok=True)
        final = api.restore(checkpoint.id, {DEVICE: {"target": str(target)}})
        assert final.status == common_pb2.OPERATION_STATUS_SUCCEEDED, final.status_reason
        assert resource_state(final).new_resource_id == str(target)
        assert filecmp.cmp(target, expected, shallow=False)
        verified = api.verify(checkpoint.id)
        assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason
        assert "matches" in resource_state(verified).reason

    refused = api.restore(second.id, {DEVICE: {"target": str(image)}})
    assert refused.status == common_pb2.OPERATION_STATUS_FAILED
    assert "exists; name a new file, or pass overwrite: true" in refused.status_reason
    assert filecmp.cmp(image, second_copy, shallow=False)
