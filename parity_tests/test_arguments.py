"""minigrad/ops/_arguments.py: reading op arguments as torch does. The broadcast shape equals
numpy's (and torch's) and a clash raises torch's RuntimeError; (H, W) pairs and size lists are
read as torch's 2-D ops and factories read them."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from minigrad.ops._arguments import broadcast_shape, broadcasts_to, int_pair, is_int, size_arguments
from strategies import broadcastable_shapes, shapes


@given(broadcastable_shapes(num_shapes=3, min_side=0))
def test_broadcast_shape_equals_numpys(shapes_):
    assert broadcast_shape(*shapes_) == np.broadcast_shapes(*shapes_)
    assert broadcasts_to(shapes_[0], np.broadcast_shapes(*shapes_))


@given(shapes(max_dims=3, max_side=4), shapes(max_dims=3, max_side=4))
def test_a_clash_raises_torchs_error(a, b):
    try:
        expected = tuple((torch.empty(a) + torch.empty(b)).shape)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as actual:
            broadcast_shape(a, b)
        assert str(actual.value) == str(error)
        assert not broadcasts_to(a, b)
    else:
        assert broadcast_shape(a, b) == expected


def test_broadcasts_to_means_without_growing_the_target():
    assert broadcasts_to((3, 1), (2, 3, 4)) and broadcasts_to((), (5,))
    assert not broadcasts_to((2, 3, 4), (3, 4)) and not broadcasts_to((3,), (3, 1))


def test_int_pair_and_is_int():
    assert int_pair(2, "stride", "conv2d") == (2, 2)
    assert int_pair((2,), "stride", "conv2d") == (2, 2)
    assert int_pair([2, np.int64(3)], "stride", "conv2d") == (2, 3)
    assert int_pair((1, 2, 3), "stride", "conv2d") is None  # the op raises its own message
    with pytest.raises(TypeError, match=r"conv2d\(\): argument 'stride' must be tuple of ints, not float"):
        int_pair(1.5, "stride", "conv2d")
    with pytest.raises(TypeError, match="but found element of type bool at pos 1"):
        int_pair((1, True), "stride", "conv2d")
    assert is_int(3) and is_int(np.int32(3)) and not is_int(True) and not is_int(np.bool_(True)) and not is_int(3.0)


def test_size_arguments_accept_both_spellings():
    assert size_arguments((2, 3)) == size_arguments(((2, 3),)) == size_arguments(([2, 3],)) == (2, 3)
    assert size_arguments(()) == ()
