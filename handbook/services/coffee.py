"""Randomised coffee pairings: members opt in, and each fortnight's round pairs them at random
for a twenty-minute conversation, preferring people from different parts of the handbook.

What a member wrote, and that they opted in at all, is told only to the people they are
paired with; admins see totals. A round is made once for its fortnight, from a seed kept
with it; a pair met in the last `NO_REPEAT_ROUNDS` rounds is not made again.
"""

import hashlib
import random
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from itertools import combinations

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from handbook import db
from handbook import permissions
from handbook.models import CoffeeMatch
from handbook.models import CoffeeMatchMember
from handbook.models import CoffeeMember
from handbook.models import CoffeeRound
from handbook.models import Page
from handbook.models import Revision
from handbook.models import RevisionStatus
from handbook.models import User
from handbook.models import utcnow
from handbook.services import audit
from handbook.services import events
from handbook.services import guard
from handbook.services import pairing
from handbook.services import reflection
from handbook.services.errors import InvalidInput
from handbook.services.errors import NoChange
from handbook.services.errors import NotFound
from handbook.services.validation import clean_summary

MEET_BY = {"video": "Video call", "phone": "Phone", "in_person": "In person"}
#: how often a member takes part: every round, or every other round
EVERY_WEEKS = (2, 4)
ANSWERS = {"yes": "Yes, we met", "no": "No, we did not meet", "rescheduled": "We rescheduled"}
MAX_LINE_CHARS = 200
MAX_AREA_CHARS = 80
#: a pair (or any two of a group of three) matched in this many earlier rounds is not matched
NO_REPEAT_ROUNDS = 6
ROUND_DAYS = 14
#: a Monday: rounds are the fortnights counted from it
FIRST_ROUND = date(2024, 1, 1)
#: members are asked whether they met this long after their round was made, until FOLLOW_UP_UNTIL
FOLLOW_UP_AFTER = timedelta(days=7)
FOLLOW_UP_UNTIL = timedelta(days=28)
STATS_ROUNDS = 12
#: the member's own matches shown on the coffee page, latest first
MATCHES_SHOWN = 3
#: the questions of content/02-relational-coordination/conversations-of-interdependence.md
OPENERS = (
    "What are your primary responsibilities?",
    "What do you find most meaningful about your work?",
    "What is it about how I do my work that helps you do yours?",
    "What could I do differently that would help you even more?",
    "When does our work seem to be well aligned and when do we seem to be at cross-purposes?",
)
OPENERS_PATH = "/wiki/conversations-of-interdependence"
_APPROVED = (RevisionStatus.published, RevisionStatus.merged)


@dataclass(frozen=True)
class Partner:
    """Someone a member is paired with, as they chose to be told of: empty once they left."""

    user: User
    line: str
    meet_by: str
    area: str
    #: the label of their strongest network role, if they share it with matches
    role: str | None
    #: their email address, if they let their matches be told it
    email: str = ""


@dataclass(frozen=True)
class MyMatch:
    """One of a member's matches: its round, the member's own answer, the others in it."""

    match: CoffeeMatch
    met: str
    partners: list[Partner]

    @property
    def starts(self):
        """The first day of the match's fortnight."""
        return date.fromisoformat(self.match.round.key)


@dataclass(frozen=True)
class RoundStats:
    """Totals of a round (or of all rounds): never who."""

    key: str
    matches: int
    people: int
    across: int
    answered: int
    met: int

    @property
    def across_share(self):
        return self.across / self.matches if self.matches else None

    @property
    def met_share(self):
        """Of the members who answered, the share who met."""
        return self.met / self.answered if self.answered else None


@dataclass(frozen=True)
class Stats:
    """Members opted in, the latest STATS_ROUNDS rounds (newest first), every round's totals."""

    members: int
    rounds: list[RoundStats]
    total: RoundStats
    round_count: int


def join(session, user, *, every_weeks, line, meet_by, area, share_email=False):
    """Opt in, or change how one takes part; the line and area may not hold contact details
    (a member may instead let their matches be told their email address)."""
    permissions.require(permissions.may_join_coffee(user))
    if every_weeks not in EVERY_WEEKS:
        raise InvalidInput("Choose every 2 or every 4 weeks.", "every_weeks")
    if meet_by not in MEET_BY:
        raise InvalidInput("Choose how you prefer to meet.", "meet_by")
    line = clean_summary(line, MAX_LINE_CHARS, "line")
    area = clean_summary(area, MAX_AREA_CHARS, "area") if meet_by == "in_person" else ""
    if meet_by == "in_person" and not area:
        raise InvalidInput("Say where you could meet in person: a town or an area.", "area")
    if guard.scan(line):
        raise InvalidInput("Keep contact details out of your line; your match is told how you"
                           " like to meet.", "line")
    if guard.scan(area):
        raise InvalidInput("Name a town or an area, not an address or contact details.", "area")
    member = session.get(CoffeeMember, user.id)
    db.begin_write(session)
    if member is None:
        member = CoffeeMember(user_id=user.id)
        session.add(member)
    member.every_weeks, member.line, member.meet_by, member.area = every_weeks, line, meet_by, area
    member.share_email = bool(share_email)
    return member


def membership(session, user):
    """The member's own opt-in, or None."""
    return session.get(CoffeeMember, user.id)


def leave(session, user):
    """Opt out: the preferences are deleted; past matches stay, so pairs are not repeated."""
    member = session.get(CoffeeMember, user.id)
    if member is None:
        raise NoChange("You are not taking part in coffee pairings.")
    db.begin_write(session)
    session.delete(member)


def forget(session, user):
    """Delete the account's coffee preferences (deleting an account)."""
    member = session.get(CoffeeMember, user.id)
    if member is not None:
        session.delete(member)


def round_start(day):
    """The Monday that starts the fortnight holding `day`."""
    return FIRST_ROUND + timedelta(days=(day - FIRST_ROUND).days // ROUND_DAYS * ROUND_DAYS)


def round_key(day):
    """The key of `day`'s round: the ISO date of its first day."""
    return round_start(day).isoformat()


def default_seed(key):
    """A seed that stays the same for a round's key (and fits a 32-bit column)."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:7], 16)


def run_round(session, day, *, seed=None):
    """Make the round of `day`'s fortnight and tell each person their match: (round, whether
    it was made now). A round made already is returned unchanged."""
    key = round_key(day)
    made = session.scalar(select(CoffeeRound).where(CoffeeRound.key == key))
    if made is not None:
        return made, False
    members = {member.user_id: member for member in _taking_part(session, day)}
    people = sorted(members)
    sections = _worked_in(session, people)
    seed = default_seed(key) if seed is None else seed
    groups = pairing.pair(people, sections=sections, recent=_recent_pairs(session, key),
                          rng=random.Random(seed))
    db.begin_write(session)
    made = CoffeeRound(key=key, seed=seed)
    session.add(made)
    for group in groups:
        session.add(CoffeeMatch(
            round=made, across_sections=pairing.group_across(group, sections),
            members=[CoffeeMatchMember(user_id=user_id) for user_id in group]))
    session.flush()
    for match in made.matches:
        for person in match.members:
            events.coffee_match(session, members[person.user_id].user, match,
                                _partners(session, match, person.user_id, members), OPENERS)
    return made, True


def make_round(session, admin, day):
    """An admin makes `day`'s round (audited when made now): (round, whether made now)."""
    permissions.require(permissions.may_manage_coffee(admin))
    made, now = run_round(session, day)
    if now:
        people = sum(len(match.members) for match in made.matches)
        audit.record(session, admin, "coffee round",
                     detail=f"{made.key}: {len(made.matches)} match"
                            f"{'es' if len(made.matches) != 1 else ''}, {people} people")
    return made, now


def _taking_part(session, day):
    """Opted-in members with active, confirmed accounts; those who come every 4 weeks only
    if they were not in the round before this one."""
    previous = round_key(round_start(day) - timedelta(days=ROUND_DAYS))
    in_previous = set(session.scalars(
        select(CoffeeMatchMember.user_id).join(CoffeeMatch).join(CoffeeRound)
        .where(CoffeeRound.key == previous)))
    members = session.scalars(select(CoffeeMember).options(joinedload(CoffeeMember.user))).all()
    return [member for member in members if permissions.may_join_coffee(member.user)
            and not (member.every_weeks == 4 and member.user_id in in_previous)]


def _worked_in(session, people):
    """id -> the sections of pages where each has a published or merged revision."""
    rows = session.execute(
        select(Revision.author_id, Page.section_id).join(Page, Page.id == Revision.page_id)
        .where(Revision.author_id.in_(people), Revision.status.in_(_APPROVED)).distinct())
    found = {}
    for user_id, section_id in rows:
        found.setdefault(user_id, set()).add(section_id)
    return {user_id: frozenset(ids) for user_id, ids in found.items()}


def _recent_pairs(session, key):
    """Every two people matched together in the last NO_REPEAT_ROUNDS rounds before `key`."""
    earlier = select(CoffeeRound.id).where(CoffeeRound.key < key) \
        .order_by(CoffeeRound.key.desc()).limit(NO_REPEAT_ROUNDS).scalar_subquery()
    groups = {}
    for match_id, user_id in session.execute(
            select(CoffeeMatchMember.match_id, CoffeeMatchMember.user_id).join(CoffeeMatch)
            .where(CoffeeMatch.round_id.in_(earlier))):
        groups.setdefault(match_id, []).append(user_id)
    return {frozenset(two) for group in groups.values() for two in combinations(group, 2)}


def _partners(session, match, user_id, members):
    """The others in `match`, as told to `user_id`; `members` maps id -> CoffeeMember."""
    partners = []
    for other in match.members:
        if other.user_id == user_id:
            continue
        member = members.get(other.user_id)
        partners.append(Partner(
            other.user, member.line if member else "",
            MEET_BY[member.meet_by] if member else "", member.area if member else "",
            reflection.role_for_matches(session, other.user) if member else None,
            other.user.email if member and member.share_email else ""))
    return partners


def my_matches(session, user):
    """The member's latest matches (MATCHES_SHOWN of them), latest round first."""
    rows = session.scalars(
        select(CoffeeMatchMember).join(CoffeeMatch).join(CoffeeRound)
        .options(joinedload(CoffeeMatchMember.match).joinedload(CoffeeMatch.round))
        .where(CoffeeMatchMember.user_id == user.id)
        .order_by(CoffeeRound.key.desc()).limit(MATCHES_SHOWN)).all()
    others = {member.user_id for row in rows for member in row.match.members}
    members = {member.user_id: member for member in session.scalars(
        select(CoffeeMember).where(CoffeeMember.user_id.in_(others)))} if others else {}
    return [MyMatch(row.match, row.met, _partners(session, row.match, user.id, members))
            for row in rows]


def answer(session, user, match_id, met):
    """Say whether one's match met ("yes", "no", "rescheduled"); it may be changed later.
    Only a member of the match may answer: anyone else is told there is no such match."""
    permissions.require(permissions.may_join_coffee(user))
    mine = session.get(CoffeeMatchMember, (match_id, user.id))
    if mine is None:
        raise NotFound("There is no such match.")
    if met not in ANSWERS:
        raise InvalidInput("Choose whether you met.", "met")
    if mine.met != met:
        db.begin_write(session)
        mine.met, mine.answered_at = met, utcnow()
    return mine


def ask_followups(session, now):
    """Ask the members of matches made FOLLOW_UP_AFTER ago (and not FOLLOW_UP_UNTIL) who
    have not answered whether they met; each once. How many were asked."""
    waiting = session.scalars(
        select(CoffeeMatchMember).join(CoffeeMatch).join(CoffeeRound)
        .options(joinedload(CoffeeMatchMember.match).joinedload(CoffeeMatch.members)
                 .joinedload(CoffeeMatchMember.user), joinedload(CoffeeMatchMember.user))
        .where(CoffeeMatchMember.met == "", CoffeeRound.created_at <= now - FOLLOW_UP_AFTER,
               CoffeeRound.created_at > now - FOLLOW_UP_UNTIL)
        .order_by(CoffeeMatchMember.match_id, CoffeeMatchMember.user_id)).unique().all()
    asked = 0
    for mine in waiting:
        asked += events.coffee_followup(session, mine.user, mine.match) is not None
    return asked


def stats(session, admin):
    """Aggregates for admins: members opted in, the latest rounds and every round together."""
    permissions.require(permissions.may_manage_coffee(admin))
    matches = {round_id: (count, across) for round_id, count, across in session.execute(
        select(CoffeeMatch.round_id, func.count(),
               func.sum(case((CoffeeMatch.across_sections.is_(True), 1), else_=0)))
        .group_by(CoffeeMatch.round_id))}
    people = {round_id: (count, answered, met) for round_id, count, answered, met in
              session.execute(
                  select(CoffeeMatch.round_id, func.count(),
                         func.sum(case((CoffeeMatchMember.met != "", 1), else_=0)),
                         func.sum(case((CoffeeMatchMember.met == "yes", 1), else_=0)))
                  .join(CoffeeMatch).group_by(CoffeeMatch.round_id))}
    rounds = []
    for round_id, key in session.execute(
            select(CoffeeRound.id, CoffeeRound.key).order_by(CoffeeRound.key.desc())):
        count, across = matches.get(round_id, (0, 0))
        members, answered, met = people.get(round_id, (0, 0, 0))
        rounds.append(RoundStats(key, count, members, across, answered, met))
    total = RoundStats("", *[sum(getattr(found, name) for found in rounds)
                             for name in ("matches", "people", "across", "answered", "met")])
    return Stats(members=session.scalar(select(func.count()).select_from(CoffeeMember)),
                 rounds=rounds[:STATS_ROUNDS], total=total, round_count=len(rounds))
