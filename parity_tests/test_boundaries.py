"""What crosses minigrad's border (minigrad/_interop.py): torch tensors from torchvision accepted
without a copy; numpy arrays, lists and PIL images refused with torch's TypeError and a hint;
torch's signatures (extra positional arguments refused as torch refuses them). Each refusal is
compared with what torch 2.14 raises for the same call, measured here."""

import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image
from torchvision import transforms

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.ops import unary


def raised(call):
    """The exception ``call()`` raises (the test fails if it raises none)."""
    with pytest.raises(Exception) as info:
        call()
    return info.value


def first_line(error):
    return str(error).split("\n")[0]


def assert_refused_as_torch(minigrad_call, torch_call, hint=None):
    """Same exception type as torch; same message (its first line) where torch names the argument
    ("argument 'input' (position 1) must be Tensor, not ..."), the same function and types where
    torch lists the whole call ("received an invalid combination of arguments - got (...)")."""
    expected, actual = raised(torch_call), raised(minigrad_call)
    assert type(actual) is type(expected), f"{type(actual).__name__}: {actual} (torch: {type(expected).__name__}: {expected})"
    if "invalid combination" in str(expected):
        got = re.search(r"^(\w+\(\)) received an invalid combination of arguments - got \((\w[\w.]*)", str(expected))
        assert str(actual).startswith(f"{got[1]} received an invalid combination of arguments - got ({got[2]}")
    elif "must be" in str(expected) or "expected Tensor as element" in str(expected):
        assert first_line(actual) == first_line(expected)
    if hint:
        assert hint in str(actual)
    return actual


@pytest.fixture
def image():
    """A CIFAR-sized RGB image, as the lesson reads one with PIL."""
    return Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8))


def lesson_models(seed=0):
    """The lesson's CIFAR model in both libraries, with the same weights."""
    def build(lib):
        n = lib.nn
        return n.Sequential(n.Conv2d(3, 8, 5, padding=2), n.MaxPool2d(2), n.ReLU(), n.Flatten(), n.Linear(8 * 16 * 16, 10))

    torch.manual_seed(seed)
    theirs, ours = build(torch), build(minigrad)
    ours.load_state_dict({k: minigrad.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


# -- torch tensors in ----------------------------------------------------------------------------------


def test_a_totensor_image_is_reshaped_without_a_copy(image):
    """The lesson: ``image = transforms.ToTensor()(img); torch.reshape(image, (1, 3, 32, 32))``."""
    tensor = transforms.ToTensor()(image)
    reshaped = minigrad.reshape(tensor, (1, 3, 32, 32))
    assert isinstance(reshaped, minigrad.Tensor) and reshaped.dtype == minigrad.float32
    np.testing.assert_array_equal(reshaped.numpy(), torch.reshape(tensor, (1, 3, 32, 32)).numpy())
    assert np.shares_memory(reshaped.numpy(), tensor.numpy())  # zero-copy: a view of torch's memory


@pytest.mark.parametrize("torch_dtype, dtype", [
    (torch.float32, minigrad.float32), (torch.float64, minigrad.float64), (torch.int64, minigrad.int64),
    (torch.int32, minigrad.int32), (torch.uint8, minigrad.uint8), (torch.bool, minigrad.bool),
])
def test_torch_tensors_keep_their_dtype_and_memory(torch_dtype, dtype):
    source = torch.arange(12).reshape(3, 4).to(torch_dtype)
    for view in (source, source.t(), source[:, 1:3]):  # contiguous, transposed, sliced
        ours = minigrad.clone(view)
        assert ours.dtype is dtype and ours.tolist() == view.tolist()
        converted = minigrad.flatten(view, 0, 0)  # no-op flatten gives the converted input itself
        assert np.shares_memory(converted.numpy(), view.numpy())


def test_a_model_takes_a_torch_image_and_gradients_flow_on_the_minigrad_side(image):
    ours, theirs = lesson_models()
    batch = torch.stack([transforms.ToTensor()(image)] * 2)
    targets = torch.tensor([3, 7])
    out = ours(batch)  # the torch batch goes in as it is
    np.testing.assert_allclose(out.detach().numpy(), theirs(batch).detach().numpy(), rtol=1e-4, atol=1e-5)
    assert out.argmax(1).tolist() == theirs(batch).argmax(1).tolist()
    loss = nn.CrossEntropyLoss()(out, targets)  # a torch target too
    loss.backward()
    expected_loss = torch.nn.CrossEntropyLoss()(theirs(batch), targets)
    expected_loss.backward()
    np.testing.assert_allclose(loss.item(), expected_loss.item(), rtol=1e-5)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    # the same model run on a minigrad tensor gives the same numbers, bit for bit
    ours_again = ours(minigrad.from_numpy(batch.numpy()))
    np.testing.assert_array_equal(ours_again.detach().numpy(), out.detach().numpy())


@settings(deadline=None, max_examples=20)
@given(values=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4), elements=st.floats(-10, 10)))
def test_torch_tensors_in_operators_and_ops(values):
    """A minigrad tensor that requires grad meets a torch tensor: values as torch's, and the
    gradient reaches the minigrad tensor as it reaches torch's own leaf in the same expression."""
    t = torch.from_numpy(values.copy())
    calls = [lambda lib, a: a + t, lambda lib, a: t * a, lambda lib, a: a - t, lambda lib, a: lib.maximum(a, t),
             lambda lib, a: lib.where(t > 0, a, t), lambda lib, a: lib.cat([a, t])]
    x, leaf = minigrad.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    ours, theirs = [call(minigrad, x) for call in calls], [call(torch, leaf) for call in calls]
    for result, want in zip(ours, theirs):
        np.testing.assert_array_equal(result.detach().numpy(), want.detach().numpy())
    sum(r.sum() for r in ours).backward()
    sum(r.sum() for r in theirs).backward()
    np.testing.assert_array_equal(x.grad.numpy(), leaf.grad.numpy())


def test_a_torch_tensor_that_requires_grad_is_refused_saying_detach():
    x = torch.ones(2, 3, requires_grad=True)
    for call in (lambda: minigrad.reshape(x, (6,)), lambda: nn.Linear(3, 2)(x), lambda: minigrad.ones(3) + x,
                 lambda: unary.Exp.apply(x), lambda: nn.Linear(3, 2)(torch.nn.Parameter(torch.ones(3)))):
        error = raised(call)
        assert type(error) is RuntimeError and "requires grad" in str(error) and ".detach()" in str(error)
    assert minigrad.reshape(x.detach(), (6,)).shape == (6,)


def test_a_torch_tensor_on_another_device_is_refused_saying_cpu():
    meta = torch.empty(2, 3, device="meta")  # not on the CPU (a GPU tensor is refused the same way)
    error = raised(lambda: minigrad.exp(meta))
    assert type(error) is RuntimeError and "device 'meta'" in str(error) and ".cpu()" in str(error)
    assert "--engine torch --device cuda" in str(error)


def test_a_torch_dtype_minigrad_lacks_is_refused():
    error = raised(lambda: minigrad.exp(torch.ones(2, dtype=torch.float16)))
    assert type(error) is TypeError and "torch.float16" in str(error) and ".float()" in str(error)


def test_function_apply_converts_and_refuses_too():
    """The second door: every op, however reached (here an op class called directly)."""
    t = torch.tensor([0.0, 1.0])
    np.testing.assert_array_equal(unary.Exp.apply(t).numpy(), minigrad.exp(minigrad.tensor([0.0, 1.0])).numpy())
    error = raised(lambda: unary.Exp.apply(np.zeros(2)))
    assert type(error) is TypeError and first_line(error) == "exp(): argument at position 1 must be Tensor, not numpy.ndarray"
    error = raised(lambda: minigrad.ones(3).clamp(np.zeros(3)))  # torch: TypeError too
    assert type(error) is TypeError and "numpy.ndarray" in str(error) and "minigrad.from_numpy" in str(error)


# -- numpy arrays, PIL images, lists: refused as torch refuses them ------------------------------------

ARRAY = np.ones((1, 3, 8, 8), np.float32)


@pytest.mark.parametrize("call", [
    lambda lib: lib.reshape(ARRAY, (1, 192)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(ARRAY),  # model(image): conv2d's "invalid combination" message
    lambda lib: lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3))(ARRAY),
    lambda lib: lib.nn.Linear(8, 2)(ARRAY),
    lambda lib: lib.nn.MaxPool2d(2)(ARRAY),
    lambda lib: lib.nn.ReLU()(ARRAY),
    lambda lib: lib.nn.functional.linear(lib.ones(2, 3), ARRAY[0, 0, :3, :3]),
    lambda lib: lib.sum(ARRAY),
    lambda lib: lib.exp(ARRAY),
    lambda lib: lib.add(ARRAY, 1),
    lambda lib: lib.add(lib.ones(3), ARRAY),
    lambda lib: lib.matmul(lib.ones(3), ARRAY),
    lambda lib: lib.softmax(ARRAY, 1),
    lambda lib: lib.flatten(ARRAY),
    lambda lib: lib.transpose(ARRAY, 0, 1),
    lambda lib: lib.mean(ARRAY),
    lambda lib: lib.argmax(ARRAY, 1),
    lambda lib: lib.cat([lib.ones(3), np.ones(3)]),
    lambda lib: lib.where(np.ones(3, bool), lib.ones(3), lib.ones(3)),
    lambda lib: lib.clamp(ARRAY, 0, 1),
    lambda lib: lib.nn.CrossEntropyLoss()(np.ones((2, 3)), lib.tensor([0, 1])),
    lambda lib: lib.nn.functional.cross_entropy(lib.ones(2, 3), lib.tensor([0, 1]), np.ones(3)),
    lambda lib: lib.nn.functional.nll_loss(lib.ones(2, 3), np.array([0, 1])),
    lambda lib: lib.zeros_like(ARRAY),
    lambda lib: lib.ones(3).add(np.ones(3)),
    lambda lib: lib.ones(3).copy_([1.0, 2.0, 3.0]),
])
def test_a_numpy_array_gets_torchs_type_error(call):
    assert_refused_as_torch(lambda: call(minigrad), lambda: call(torch), hint="minigrad.")


@pytest.mark.parametrize("call", [
    lambda lib, img: lib.nn.Conv2d(3, 4, 3)(img),
    lambda lib, img: lib.reshape(img, (1, 3, 32, 32)),
    lambda lib, img: lib.exp(img),
    lambda lib, img: lib.flatten(img),
])
def test_a_pil_image_gets_torchs_type_error_and_the_totensor_hint(call, image):
    assert_refused_as_torch(lambda: call(minigrad, image), lambda: call(torch, image), hint="transforms.ToTensor()")


def test_a_list_target_gets_torchs_type_error():
    error = assert_refused_as_torch(lambda: nn.CrossEntropyLoss()(minigrad.ones(2, 3), [0, 1]),
                                    lambda: torch.nn.CrossEntropyLoss()(torch.ones(2, 3), [0, 1]), hint="minigrad.tensor(")
    assert first_line(error) == "cross_entropy_loss(): argument 'target' (position 2) must be Tensor, not list"


def test_lists_in_operators_and_methods_are_refused_as_torch():
    x, t = minigrad.ones(3), torch.ones(3)
    for ours, theirs in [(lambda: x + [1.0, 2.0, 3.0], lambda: t + [1.0, 2.0, 3.0]),
                         (lambda: x.add([1.0, 2.0, 3.0]), lambda: t.add([1.0, 2.0, 3.0])),
                         (lambda: x * Image.new("RGB", (2, 2)), lambda: t * Image.new("RGB", (2, 2)))]:
        expected, actual = raised(theirs), raised(ours)
        assert type(actual) is type(expected) is TypeError
        assert re.search(r"must be Tensor, not (list|Image)", str(actual))


def test_numbers_stay_accepted_where_torch_takes_them():
    x, t = minigrad.tensor([1.0, -2.0, 3.0]), torch.tensor([1.0, -2.0, 3.0])
    for call in (lambda lib, v: v + 1, lambda lib, v: 2 * v, lambda lib, v: lib.add(1, v), lambda lib, v: lib.sub(1, v),
                 lambda lib, v: lib.pow(2, v), lambda lib, v: lib.pow(v, 2), lambda lib, v: lib.where(v > 0, 1.0, v),
                 lambda lib, v: lib.where(v > 0, v, 0.0), lambda lib, v: lib.clamp(v, 0, 1), lambda lib, v: lib.eq(v, 1),
                 lambda lib, v: lib.add(v, np.float32(2)), lambda lib, v: lib.mul(v, np.int64(3))):
        np.testing.assert_allclose(call(minigrad, x).numpy(), call(torch, t).numpy())
    for call in (lambda lib, v: lib.matmul(v, 1), lambda lib, v: lib.maximum(v, 1), lambda lib, v: lib.exp(1.0),
                 lambda lib, v: lib.equal(v, 1), lambda lib, v: lib.allclose(v, 1.0), lambda lib, v: lib.eq(1, v),
                 lambda lib, v: lib.add(v, np.array(2.0))):
        assert_refused_as_torch(lambda: call(minigrad, x), lambda: call(torch, t))


def test_cat_wants_a_sequence_of_tensors():
    assert_refused_as_torch(lambda: minigrad.cat(minigrad.ones(2, 3)), lambda: torch.cat(torch.ones(2, 3)))
    assert_refused_as_torch(lambda: minigrad.stack((x for x in [minigrad.ones(2)])), lambda: torch.stack((x for x in [torch.ones(2)])))
    assert minigrad.cat((minigrad.ones(2), torch.ones(2))).tolist() == [1.0] * 4


# -- torch's signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.reshape(x, 1, 6),
    lambda lib, x: lib.reshape(x, 6),
    lambda lib, x: lib.permute(x, 1, 0),
    lambda lib, x: lib.transpose(x, 0, 1, 2),
    lambda lib, x: lib.unsqueeze(x, 0, 1),
    lambda lib, x: lib.squeeze(x, 0, 1),
    lambda lib, x: lib.flatten(x, 0, 1, 2),
    lambda lib, x: lib.sum(x, 0, True, lib.float64),
    lambda lib, x: lib.max(x, 0, True, 1),
    lambda lib, x: lib.amax(x, 0, True, 1),
    lambda lib, x: lib.argmax(x, 0, True, 1),
    lambda lib, x: lib.var(x, 0, True, True, 1),
    lambda lib, x: lib.clamp(x, 0, 1, 2),
    lambda lib, x: lib.softmax(x, 1, lib.float64, 3),
    lambda lib, x: lib.cat([x], 0, 1),
    lambda lib, x: lib.where(x > 0, x, x, x),
    lambda lib, x: lib.clone(x, 1),
    lambda lib, x: lib.add(x, x, 2),
    lambda lib, x: lib.mul(x, x, 2),
    lambda lib, x: lib.matmul(x, x.T, 1),
    lambda lib, x: lib.exp(x, 1),
    lambda lib, x: lib.relu(x, 1),
    lambda lib, x: lib.numel(x, 1),
    lambda lib, x: lib.isnan(x, 1),
    lambda lib, x: lib.equal(x, x, 1),
    lambda lib, x: lib.allclose(x, x, 1, 1, True, 1),
    lambda lib, x: lib.detach(x, 1),
    lambda lib, x: lib.nn.functional.linear(x, lib.ones(3, 3), None, 1),
    lambda lib, x: lib.nn.functional.dropout(x, 0.5, True, False, 1),
    lambda lib, x: lib.nn.functional.pad(x, (1, 1), "constant", 0, 1),
])
def test_extra_positional_arguments_are_refused_as_torch(call):
    expected = raised(lambda: call(torch, torch.ones(2, 3)))
    actual = raised(lambda: call(minigrad, minigrad.ones(2, 3)))
    assert type(actual) is type(expected) is TypeError
    if "positional argument" in str(expected) or "must be tuple of ints" in str(expected):
        # torch.sum(x, 0, True, dtype) "takes from 2 to 3": its dim-less form is another overload
        assert re.sub(r"from \d+ to", "from N to", str(actual)) == re.sub(r"from \d+ to", "from N to", str(expected))


def test_methods_still_take_sizes_one_by_one():
    x = minigrad.ones(2, 3)
    assert x.reshape(3, 2).shape == x.reshape((3, 2)).shape == x.reshape([3, 2]).shape == (3, 2)
    assert x.permute(1, 0).shape == x.permute((1, 0)).shape == (3, 2)
    assert minigrad.reshape(x, [6]).shape == minigrad.reshape(x, minigrad.Size([6])).shape == (6,)


def test_functional_signatures_are_torchs():
    """F.softmax's third positional argument is _stacklevel, not dtype; the losses keep the
    deprecated size_average and reduce in their positions."""
    rng = np.random.default_rng(1)
    logits, targets = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    x, t = minigrad.tensor(logits), torch.tensor(logits)
    y, u = minigrad.tensor(targets), torch.tensor(targets)
    assert F.softmax(x, 1, 3).dtype == minigrad.float64 and F.log_softmax(x, 1, 5, dtype=minigrad.float32).dtype == minigrad.float32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pairs = [
            (F.cross_entropy(x, y, None, None, 2), TF.cross_entropy(t, u, None, None, 2)),  # ignore_index=2
            (F.cross_entropy(x, y, None, True, -100, False), TF.cross_entropy(t, u, None, True, -100, False)),
            (F.nll_loss(x, y, None, False), TF.nll_loss(t, u, None, False)),  # size_average=False: sum
            (F.mse_loss(x, x * 2, False), TF.mse_loss(t, t * 2, False)),
            (F.l1_loss(x, x * 2, None, False), TF.l1_loss(t, t * 2, None, False)),
            (F.mse_loss(x, x * 2, weight=x.abs()), TF.mse_loss(t, t * 2, weight=t.abs())),
            (F.l1_loss(x, x * 2, reduction="none", weight=x.abs()), TF.l1_loss(t, t * 2, reduction="none", weight=t.abs())),
        ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-7)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        F.mse_loss(x, x, None, False)
    error = raised(lambda: F.mse_loss(x, x, weight=minigrad.ones(3)))
    assert type(error) is ValueError and str(error) == str(raised(lambda: TF.mse_loss(t, t, weight=torch.ones(3))))


def test_parsed_functions_keep_their_name_doc_and_signature():
    import inspect

    assert minigrad.reshape.__name__ == "reshape" and "view" in minigrad.reshape.__doc__
    assert list(inspect.signature(minigrad.reshape).parameters) == ["input", "shape"]
    assert list(inspect.signature(F.cross_entropy).parameters)[:5] == ["input", "target", "weight", "size_average", "ignore_index"]
    assert minigrad.tensor is minigrad.creation.tensor  # functions that take no tensor stay as they are
