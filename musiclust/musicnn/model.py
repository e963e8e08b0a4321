"""The musicnn network (``build_musicnn`` of the original ``musicnn/models.py``) in PyTorch, for inference.

Tensors are laid out (batch, channels, time, frequency) where the original is (batch, time, frequency,
channels). The front end's vertical (timbral) filters span 38 and 67 of the 96 mel bands, 7 frames
long; its horizontal (temporal) filters span 128, 64 and 32 frames, one band wide; each is followed by
ReLU, batch norm and a max over frequency. The mid end is three 1-D convolutions (7 frames, 64 filters)
with residual connections; the back end pools the stacked front- and mid-end maps over time (max and
mean), then a batch-normalised dense layer (the penultimate features) and the tag layer.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

BN_EPSILON = 1e-3  # tf.compat.v1.layers.batch_normalization's default; the original does not set it
N_MELS = 96
FRONTEND_FILTERS = int(1.6 * 128)  # 204 per timbral branch, as the original's int(num_filt * 128)
TEMPORAL_FILTERS = int(1.6 * 32)  # 51 per temporal branch
TIMBRAL_HEIGHTS = (int(0.4 * N_MELS), int(0.7 * N_MELS))  # 38 and 67 mel bands
TEMPORAL_LENGTHS = (128, 64, 32)

# Each model's (mid-end filters, back-end units, tags); MSD_musicnn_big is not in the PyPI wheel.
ARCHITECTURES = {"MSD_musicnn": (64, 200, 50), "MTT_musicnn": (64, 200, 50)}

# TensorFlow names its layers in the order the graph creates them (models.py's build_musicnn).
CONVS = {"conv2d": "timbral.0", "conv2d_1": "timbral.1", "conv2d_2": "temporal.0", "conv2d_3": "temporal.1",
         "conv2d_4": "temporal.2", "conv2d_5": "midend.0", "conv2d_6": "midend.1", "conv2d_7": "midend.2"}
NORMS = {"batch_normalization": "input_bn", "batch_normalization_1": "timbral_bn.0",
         "batch_normalization_2": "timbral_bn.1", "batch_normalization_3": "temporal_bn.0",
         "batch_normalization_4": "temporal_bn.1", "batch_normalization_5": "temporal_bn.2",
         "batch_normalization_6": "midend_bn.0", "batch_normalization_7": "midend_bn.1",
         "batch_normalization_8": "midend_bn.2", "batch_normalization_9": "pool_bn",
         "batch_normalization_10": "dense_bn"}
DENSES = {"dense": "dense", "dense_1": "tags"}


def same_padding(kernel: int) -> tuple[int, int]:
    """TensorFlow's 'same' padding at stride 1: the odd pixel goes after, not before."""
    total = kernel - 1
    return total // 2, total - total // 2


class MusicnnNet(nn.Module):
    """Patches (B, 187, 96) of log-mel frames → tag logits and the intermediate maps."""

    def __init__(self, midend_filters: int = 64, backend_units: int = 200, n_tags: int = 50):
        super().__init__()
        bn1, bn2 = (lambda n: nn.BatchNorm1d(n, eps=BN_EPSILON)), (lambda n: nn.BatchNorm2d(n, eps=BN_EPSILON))
        self.input_bn = bn2(1)
        self.timbral = nn.ModuleList(nn.Conv2d(1, FRONTEND_FILTERS, (7, h)) for h in TIMBRAL_HEIGHTS)
        self.timbral_bn = nn.ModuleList(bn2(FRONTEND_FILTERS) for _ in TIMBRAL_HEIGHTS)
        self.temporal = nn.ModuleList(nn.Conv2d(1, TEMPORAL_FILTERS, (n, 1)) for n in TEMPORAL_LENGTHS)
        self.temporal_bn = nn.ModuleList(bn2(TEMPORAL_FILTERS) for _ in TEMPORAL_LENGTHS)
        frontend = len(TIMBRAL_HEIGHTS) * FRONTEND_FILTERS + len(TEMPORAL_LENGTHS) * TEMPORAL_FILTERS
        self.midend = nn.ModuleList(nn.Conv1d(c, midend_filters, 7) for c in (frontend, midend_filters, midend_filters))
        self.midend_bn = nn.ModuleList(bn1(midend_filters) for _ in range(3))
        pooled = frontend + 3 * midend_filters
        self.pool_bn = bn1(2 * pooled)
        self.dense = nn.Linear(2 * pooled, backend_units)
        self.dense_bn = bn1(backend_units)
        self.tags = nn.Linear(backend_units, n_tags)
        self.eval()

    def forward(self, patches: torch.Tensor) -> dict[str, torch.Tensor]:
        """Patches (B, T, 96) → ``logits`` (B, tags) and musicnn's features: ``timbral`` (B, T, 408),
        ``temporal`` (B, T, 153), ``cnn1..3`` (B, T, 64), ``mean_pool`` / ``max_pool`` (B, 753) and
        ``penultimate`` (B, 200), laid out as the original's extractor returns them."""
        x = self.input_bn(patches.unsqueeze(1))  # (B, 1, T, F)
        maps = []
        timbral_input = F.pad(x, (0, 0, 3, 3))  # the original pads time by 3 and convolves 'valid'
        for conv, norm in zip(self.timbral, self.timbral_bn):
            maps.append(norm(F.relu(conv(timbral_input))).amax(dim=3))  # batch norm, then max over frequency
        for conv, norm in zip(self.temporal, self.temporal_bn):
            maps.append(norm(F.relu(conv(F.pad(x, (0, 0, *same_padding(conv.kernel_size[0])))))).amax(dim=3))
        frontend = torch.cat(maps, dim=1)  # (B, 561, T)

        mids = []
        h = frontend
        for i, (conv, norm) in enumerate(zip(self.midend, self.midend_bn)):
            out = norm(F.relu(conv(F.pad(h, (3, 3)))))
            h = out if i == 0 else out + h  # the 2nd and 3rd layers are residual
            mids.append(h)
        stacked = torch.cat([frontend, *mids], dim=1)  # (B, 753, T)

        max_pool, mean_pool = stacked.amax(dim=2), stacked.mean(dim=2)
        # The original concatenates (B, 753, 1) maps on their last axis and flattens: max and mean interleave.
        flat = torch.stack([max_pool, mean_pool], dim=2).flatten(1)
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(flat))))
        logits = self.tags(penultimate)
        time_last = {"timbral": torch.cat(maps[:2], dim=1), "temporal": torch.cat(maps[2:], dim=1),
                     "cnn1": mids[0], "cnn2": mids[1], "cnn3": mids[2]}
        out = {name: value.transpose(1, 2) for name, value in time_last.items()}
        out.update(logits=logits, mean_pool=mean_pool, max_pool=max_pool, penultimate=penultimate)
        return out


def state_from_checkpoint(variables: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The TensorFlow variables → a state dict of :class:`MusicnnNet` (the optimiser's slots are left out).

    Conv kernels are HWIO: 2-D ones become OIHW, the mid end's (7, C, 1, O) become 1-D OIW. Dense kernels
    are (in, out) and become (out, in). Batch norm's gamma/beta/moving_mean/moving_variance become
    weight/bias/running_mean/running_var.
    """
    state: dict[str, np.ndarray] = {}
    for tf_name, path in CONVS.items():
        kernel = variables[f"{tf_name}/kernel"]
        if path.startswith("midend"):
            weight = kernel[:, :, 0, :].transpose(2, 1, 0)
        else:
            weight = kernel.transpose(3, 2, 0, 1)
        state[f"{path}.weight"], state[f"{path}.bias"] = weight, variables[f"{tf_name}/bias"]
    for tf_name, path in NORMS.items():
        for tf_part, part in (("gamma", "weight"), ("beta", "bias"), ("moving_mean", "running_mean"),
                              ("moving_variance", "running_var")):
            state[f"{path}.{part}"] = variables[f"{tf_name}/{tf_part}"]
    for tf_name, path in DENSES.items():
        state[f"{path}.weight"] = variables[f"{tf_name}/kernel"].T
        state[f"{path}.bias"] = variables[f"{tf_name}/bias"]
    return {name: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)) for name, value in state.items()}


def build_net(variables: dict[str, np.ndarray], model: str) -> MusicnnNet:
    """A :class:`MusicnnNet` holding the checkpoint's weights, in eval mode."""
    net = MusicnnNet(*ARCHITECTURES[model])
    state = state_from_checkpoint(variables)
    expected = {k: v.shape for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    wrong = {k: (tuple(v.shape), tuple(expected[k])) for k, v in state.items() if v.shape != expected[k]}
    missing = sorted(set(expected) - set(state))
    if wrong or missing:
        raise ValueError(f"{model}: the checkpoint does not fit the network: shapes (got, expected) {wrong}, "
                         f"missing {missing}")
    net.load_state_dict(state, strict=False)  # strict=False: num_batches_tracked, unused in eval mode
    return net.eval()
