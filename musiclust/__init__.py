"""Clustering music by its sound and its lyrics with beta-VAEs: the library the pipeline's stages call."""

from .environment import pin_kernels

# The same bytes on every CPU with AVX2: oneDNN capped at its AVX2 kernels unless the machine's
# environment chose a cap (see musiclust.environment.PINNED).
pin_kernels()
