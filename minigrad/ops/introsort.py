"""Which of tied positions torch's sort returns: its CPU sort is C++'s ``std::sort`` (GCC's
libstdc++) unless ``stable=True``, and ``std::sort`` is not stable: among equal values (and among
NaNs) the order it leaves depends on every step it took. This module takes those steps, on one
slice, to find that order. ``sorting.py`` calls it only for a slice longer than 16 that holds
ties (shorter slices are sorted by insertion, which keeps ties in order, as a stable sort does).

libstdc++'s ``std::sort`` is an introsort (``__introsort_loop``): while a range is longer than 16,
move the median of its second, middle and last elements to its front and partition the rest
around it (Hoare's scheme: both sides stop on elements equal to the pivot and swap them), then
sort the right part and loop on the left; a range that recursed 2·⌊log₂ n⌋ deep is heap-sorted
instead. A final insertion sort then orders what the partitions left within runs of 16.

    order = std_sort_order(keys, descending)     # keys: a Python list; → the positions, sorted
"""

import math

#: ranges at most this long are left to the final insertion sort (libstdc++'s _S_threshold)
THRESHOLD = 16


def std_sort_order(keys, descending=False):
    """The positions of ``keys`` in the order ``std::sort`` leaves them under torch's comparator:
    ascending with NaN last (KeyValueCompAsc), or descending with NaN first (KeyValueCompDesc)."""
    if descending:
        def comes_before(a, b):
            return (math.isnan(a) and not math.isnan(b)) or a > b
    else:
        def comes_before(a, b):
            return (not math.isnan(a) and math.isnan(b)) or a < b
    items = [(key, position) for position, key in enumerate(keys)]
    _Introsort(items, lambda x, y: comes_before(x[0], y[0])).sort()
    return [position for _, position in items]


class _Introsort:
    """libstdc++'s std::sort on the list ``items`` (in place), with ``less`` as its comparator."""

    def __init__(self, items, less):
        self.a, self.less = items, less

    def sort(self):
        n = len(self.a)
        if n > 1:
            self.introsort_loop(0, n, 2 * (n.bit_length() - 1))  # 2·⌊log₂ n⌋
            self.final_insertion_sort(0, n)

    def swap(self, i, j):
        self.a[i], self.a[j] = self.a[j], self.a[i]

    def introsort_loop(self, first, last, depth_limit):
        while last - first > THRESHOLD:
            if depth_limit == 0:
                self.heap_sort(first, last)
                return
            depth_limit -= 1
            cut = self.partition_around_median(first, last)
            self.introsort_loop(cut, last, depth_limit)
            last = cut

    def partition_around_median(self, first, last):
        """__unguarded_partition_pivot: the median of a[first + 1], a[mid], a[last − 1] to the
        front as the pivot, then the rest partitioned around it; returns where the right part starts."""
        mid = first + (last - first) // 2
        self.move_median_to_first(first, first + 1, mid, last - 1)
        return self.unguarded_partition(first + 1, last, first)

    def move_median_to_first(self, result, x, y, z):
        a, less = self.a, self.less
        if less(a[x], a[y]):
            if less(a[y], a[z]):
                self.swap(result, y)
            elif less(a[x], a[z]):
                self.swap(result, z)
            else:
                self.swap(result, x)
        elif less(a[x], a[z]):
            self.swap(result, x)
        elif less(a[y], a[z]):
            self.swap(result, z)
        else:
            self.swap(result, y)

    def unguarded_partition(self, first, last, pivot):
        a, less = self.a, self.less
        while True:
            while less(a[first], a[pivot]):
                first += 1
            last -= 1
            while less(a[pivot], a[last]):
                last -= 1
            if not first < last:
                return first
            self.swap(first, last)
            first += 1

    def final_insertion_sort(self, first, last):
        if last - first > THRESHOLD:
            self.insertion_sort(first, first + THRESHOLD)
            for i in range(first + THRESHOLD, last):  # __unguarded_insertion_sort
                self.unguarded_linear_insert(i)
        else:
            self.insertion_sort(first, last)

    def insertion_sort(self, first, last):
        a, less = self.a, self.less
        for i in range(first + 1, last):
            if less(a[i], a[first]):  # the smallest so far: shift the whole run right by one
                a[first : i + 1] = [a[i]] + a[first:i]
            else:
                self.unguarded_linear_insert(i)

    def unguarded_linear_insert(self, last):
        a, less = self.a, self.less
        value, previous = a[last], last - 1
        while less(value, a[previous]):
            a[last] = a[previous]
            last, previous = previous, previous - 1
        a[last] = value

    # -- heap sort (__partial_sort over the whole range), for ranges that recursed too deep -------

    def heap_sort(self, first, last):
        self.make_heap(first, last)
        while last - first > 1:  # __sort_heap
            last -= 1
            value = self.a[last]  # __pop_heap: the largest to the end
            self.a[last] = self.a[first]
            self.adjust_heap(first, 0, last - first, value)

    def make_heap(self, first, last):
        length = last - first
        if length < 2:
            return
        parent = (length - 2) // 2
        while True:
            self.adjust_heap(first, parent, length, self.a[first + parent])
            if parent == 0:
                return
            parent -= 1

    def adjust_heap(self, first, hole, length, value):
        a, less = self.a, self.less
        top, child = hole, hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if less(a[first + child], a[first + child - 1]):
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if length % 2 == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2  # __push_heap
        while hole > top and less(a[first + parent], value):
            a[first + hole] = a[first + parent]
            hole, parent = parent, (parent - 1) // 2
        a[first + hole] = value
