# Fixture for the smells detector: never imported or run.
# A line ending in "# smell: IDIOM" is where exactly one finding of IDIOM starts; every other line has none.
# The "no finding" cases are the documented differences from RIdiom (docs/smells.md).
import os

# --- module level (RIdiom reads only function bodies) ---
names = []  # smell: list-comprehension
for entry in os.listdir("."):
    names.append(entry.upper())

width = 3  # smell: assign-multiple-targets
height = 4


class Config:
    # --- class body ---
    low = 0  # smell: assign-multiple-targets
    high = 10
    valid = [1, 2]

    def method(self, items):
        squares = set()  # smell: set-comprehension
        for item in items:
            if item > 0:
                squares.add(item * item)
        return squares


async def fetch_all(pairs, record, value, lower, upper, text, callback):
    # --- async def (RIdiom skips it) ---
    table = {}  # smell: dict-comprehension
    for key, val in pairs:
        table[key] = val
    if lower < value and value < upper:  # smell: chain-comparison
        pass
    if text == "":  # smell: truth-value-test
        pass
    if len(pairs) != 0:  # smell: truth-value-test
        pass
    callback(record[0], record[1], record[2])  # smell: star-in-call
    found = False  # smell: for-else
    for key in pairs:
        if key is None:
            found = True
            break
    if not found:
        callback(None)
    for row in pairs:  # smell: for-multiple-targets
        print(row[0] + row[1])
    return table


def outer(rows):
    def inner(xs):
        # A nested function: RIdiom reports this twice (outer's walk and inner's), we once.
        out = []  # smell: list-comprehension
        for x in xs:
            out.append(x)
        return out

    return inner(rows)


def meaning_changes(x, a, b, c, f, rows, record):
    # None / True / False: `not x` is not `x == None` (0, "" and [] are falsy too), nor `x == True`.
    if x == None:
        pass
    if x == True:
        pass
    # A chain that would have to reorder operands is not offered (RIdiom flips `c > b` into `b < c`).
    if a < b and c > b:
        pass
    # The shared operand is a call: the chain would evaluate it once instead of twice.
    if a < f() and f() < c:
        pass
    # Outside a test the value is used, and `x != []` -> `x` would change it from a bool to x.
    flag = x != [] or a
    print(flag)
    # The element reads the list being built.
    seen = []
    for r in rows:
        seen.append(len(seen) + r)
    # The loop variable is read after the loop; a comprehension would not bind it.
    got = []
    for r in rows:
        got.append(r)
    print(r)
    # The second value reads the first target: `a, b = 1, a` would read the old `a`.
    p = 1
    q = p + 1
    # The loop variable is used whole as well as indexed.
    for row in rows:
        print(row[0] + row[1], row)
    # Indexing a call result: `*f()[:2]` would call f once instead of twice.
    print(f()[0], f()[1])
    return flag, seen, got, q, record
