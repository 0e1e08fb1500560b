"""Coffee pairings over many rounds: how many matches bridge sections, beside pairing at random
with no preference, and whether any pair meets again too soon.

    python -m tests.benchmark.coffee_sim --members 12 40 --rounds 20 --sections 6 --seed 1

For each number of members: each gets a random set of 0 to 3 of the `--sections` sections
(none for about one in six, who can then bridge with nobody), and `--rounds` rounds run in a
row, each fed the pairs of the NO_REPEAT_ROUNDS rounds before it, as `run_round` does. The
baseline is the same pairing told no sections, so it keeps the no-repeat rule but prefers
nothing; both use the same members and the same seed for each round. No database: only
`services.pairing`. Columns: members who worked in no section, the share of matches across
sections, an upper bound on it (`bound`), the share of all pairs of members that are across
(what pairing blindly tends to),
pairs met again within NO_REPEAT_ROUNDS rounds (exit status 1 if any), and the people left
unmatched in each round.
"""

import argparse
import random
import sys
from itertools import combinations

from handbook.services.coffee import NO_REPEAT_ROUNDS
from handbook.services.pairing import across
from handbook.services.pairing import group_across
from handbook.services.pairing import pair


def memberships(count, sections, rng):
    """id -> a random frozenset of 0 to 3 section numbers."""
    return {person: frozenset(rng.sample(range(1, sections + 1), rng.choice([0, 1, 1, 2, 2, 3])))
            for person in range(1, count + 1)}


def simulate(worked, rounds, seed, prefer):
    """(matches across sections, matches, repeats, people unmatched in each round)."""
    people = sorted(worked)
    told = worked if prefer else {}
    history, bridged, matched, repeats, unmatched = [], 0, 0, 0, []
    for number in range(rounds):
        recent = set().union(*history[-NO_REPEAT_ROUNDS:])
        groups = pair(people, sections=told, recent=recent, rng=random.Random(seed + number))
        pairs = {frozenset(two) for group in groups for two in combinations(group, 2)}
        repeats += len(pairs & recent)
        history.append(pairs)
        bridged += sum(group_across(group, worked) for group in groups)
        matched += len(groups)
        unmatched.append(len(people) - sum(len(group) for group in groups))
    return bridged, matched, repeats, unmatched


def bound(across_pairs, somewhere, rounds):
    """The most matches across sections any pairing could make: each pair across meets at
    most once in NO_REPEAT_ROUNDS + 1 rounds, and a round pairs at most half of those who
    have worked somewhere."""
    return min(across_pairs * -(-rounds // (NO_REPEAT_ROUNDS + 1)), rounds * (somewhere // 2))


def share(part, whole):
    return f"{100 * part / whole:5.1f} %" if whole else "     – "


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[12, 40])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sections", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    print(f"{options.rounds} rounds, {options.sections} sections, seed {options.seed};"
          f" no pair again within {NO_REPEAT_ROUNDS} rounds")
    print("members  nowhere  pairing     across    bound   possible  repeats  unmatched per round")
    failed = False
    for count in options.members:
        worked = memberships(count, options.sections, random.Random(options.seed))
        nowhere = sum(not found for found in worked.values())
        possible = [across(first, second, worked) for first, second in combinations(worked, 2)]
        for name, prefer in (("preferring", True), ("baseline", False)):
            bridged, matched, repeats, unmatched = simulate(
                worked, options.rounds, options.seed * 1000, prefer)
            failed |= repeats > 0
            most = bound(sum(possible), count - nowhere, options.rounds)
            print(f"{count:7}  {nowhere:7}  {name:10}  {share(bridged, matched)}  "
                  f"{share(most, matched)}  {share(sum(possible), len(possible))}  {repeats:7}  "
                  f"{' '.join(map(str, unmatched))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
