"""Pairing people at random for a coffee round, preferring pairs across parts of the handbook.

Pure: no database. Two people are *across* when each has worked in at least one section and
they share none; a group of three is across when each of its three pairs is. Someone who has
worked nowhere yet is across from nobody (and may be paired with anybody).
"""

from itertools import combinations

#: randomised greedy attempts per round; the best one is kept
ATTEMPTS = 40


def across(first, second, sections):
    """Whether two people bridge sections: both have worked in one, and in none in common."""
    mine, theirs = sections.get(first, frozenset()), sections.get(second, frozenset())
    return bool(mine) and bool(theirs) and mine.isdisjoint(theirs)


def group_across(group, sections):
    return all(across(first, second, sections) for first, second in combinations(group, 2))


def pair(people, *, sections, recent, rng):
    """The groups of one round, as sorted tuples of ids in sorted order.

    `people`: sorted ids; `sections`: id -> frozenset of section ids; `recent`: frozensets of
    two ids that may not meet again; `rng`: a `random.Random`, so the same inputs and seed
    give the same groups. Nobody is in two groups, no group holds a recent pair, and there is
    one group of three only when it lets an odd number all be matched; otherwise pairs. Of
    `ATTEMPTS` randomised greedy attempts the one that leaves the fewest people out, then has
    the most groups across sections, wins. Nothing but these inputs counts: skipping a round
    gives nobody less priority, it only leaves them with fewer recent pairs.
    """
    allowed = {person: [other for other in people
                        if other != person and frozenset((person, other)) not in recent]
               for person in people}
    may_bridge = any(across(person, other, sections)
                     for person in people for other in allowed[person])
    best_score, best = None, []
    for _ in range(ATTEMPTS):
        groups = _attempt(people, allowed, sections, recent, rng)
        score = (sum(len(group) for group in groups),
                 sum(group_across(group, sections) for group in groups))
        if best_score is None or score > best_score:
            best_score, best = score, groups
        if score[0] == len(people) and (score[1] == len(groups) or not may_bridge):
            break
    return sorted(best)


def _attempt(people, allowed, sections, recent, rng):
    """One greedy pass: those with the fewest allowed partners first (ties in random order),
    each with a random partner among the best still free; then a single person left over
    joins a pair if they may."""
    order = list(people)
    rng.shuffle(order)
    order.sort(key=lambda person: len(allowed[person]))
    free = set(order)
    groups, left = [], []
    for person in order:
        if person not in free:
            continue
        free.discard(person)
        options = [other for other in allowed[person] if other in free]
        if not options:
            left.append(person)
            continue
        bridging = [other for other in options if across(person, other, sections)]
        partner = rng.choice(bridging or options)
        free.discard(partner)
        groups.append((person, partner))
    _fold_one(groups, left, sections, recent, rng)
    return [tuple(sorted(group)) for group in groups]


def _fold_one(groups, left, sections, recent, rng):
    """With one person left over, make a pair a group of three with them if they may join it
    (preferring a pair they are across from); with more left over, pairs only."""
    if len(left) != 1:
        return
    person = left[0]
    fits = [index for index, group in enumerate(groups)
            if not any(frozenset((person, member)) in recent for member in group)]
    if not fits:
        return
    most = max(_bridged(person, groups[index], sections) for index in fits)
    index = rng.choice([index for index in fits
                        if _bridged(person, groups[index], sections) == most])
    groups[index] = (*groups[index], person)


def _bridged(person, group, sections):
    return sum(across(person, member, sections) for member in group)
