"""minigrad/random.py: seeding makes every random draw reproducible; generators are independent.

(minigrad's streams are its own: the same seed does not give torch's numbers, and need not.)"""

import numpy as np

import minigrad


def draws(generator=None):
    return [
        minigrad.rand(3, generator=generator).numpy(),
        minigrad.randn(2, 2, generator=generator).numpy(),
        minigrad.randint(0, 10, (5,), generator=generator).numpy(),
        minigrad.randperm(6, generator=generator).numpy(),
    ]


def test_manual_seed_replays_the_global_stream():
    minigrad.manual_seed(7)
    first = draws()
    minigrad.manual_seed(7)
    again = draws()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    minigrad.manual_seed(8)
    assert not np.array_equal(first[1], draws()[1])
    assert minigrad.initial_seed() == 8


def test_a_generator_is_independent_of_the_global_stream():
    generator = minigrad.Generator().manual_seed(3)
    expected = draws(generator)
    minigrad.manual_seed(0)
    minigrad.randn(100)  # moving the global stream does not move the generator's
    generator.manual_seed(3)
    for a, b in zip(expected, draws(generator)):
        np.testing.assert_array_equal(a, b)


def test_rng_state_round_trip():
    minigrad.manual_seed(11)
    state = minigrad.get_rng_state()
    expected = minigrad.randn(4).numpy()
    minigrad.set_rng_state(state)
    np.testing.assert_array_equal(minigrad.randn(4).numpy(), expected)
