"""The network-role reflection: twelve statements rated from "not like me" to "very like me",
summed up as a profile across Michael Arena's four network roles.

It is a prompt for reflection, not a validated instrument. Taking it stores nothing; a member
may save their answers, and choose whether their strongest role shows on their public profile
and whether their coffee matches hear it.
"""

from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime

from handbook import db
from handbook import permissions
from handbook.models import Reflection
from handbook.models import utcnow
from handbook.services.errors import InvalidInput


@dataclass(frozen=True)
class NetworkRole:
    """One of the four roles: its name, what it means, and the handbook page about it."""

    label: str
    meaning: str
    slug: str


@dataclass(frozen=True)
class Statement:
    """A statement to rate, and the role it speaks to."""

    key: str
    role: str
    text: str


#: the four roles, in the order the handbook describes them (ties go to the first)
ROLES = {
    "broker": NetworkRole(
        "Broker", "A broker has ties across groups that are not otherwise connected, and"
        " carries ideas, contacts and evidence from one to another. The handbook also calls"
        " them bridgers.", "bridgers-and-brokers"),
    "connector": NetworkRole(
        "Connector", "A connector has many trusted ties within one group, so a new idea they"
        " back is more likely to be accepted and taken up there.",
        "connectors-energisers-challengers"),
    "energiser": NetworkRole(
        "Energiser", "People leave a conversation with an energiser more willing to"
        " contribute, and the work an energiser talks about gets noticed.",
        "connectors-energisers-challengers"),
    "challenger": NetworkRole(
        "Challenger", "A challenger brings in pressure and perspectives from outside, and"
        " starts the debate that tests and sharpens an idea before it spreads.",
        "connectors-energisers-challengers"),
}
#: the statements in the order the form asks them: the roles take turns
STATEMENTS = [
    Statement("broker-1", "broker",
              "I often take an idea, a contact or a piece of evidence from one group to another."),
    Statement("connector-1", "connector",
              "People in my own team come to me before they try something new."),
    Statement("energiser-1", "energiser",
              "After meetings I lead, people are more willing to contribute than before."),
    Statement("challenger-1", "challenger",
              "I change the direction of a discussion when I think it is heading the wrong way."),
    Statement("connector-2", "connector",
              "If I backed an idea, my team would be willing to give it a go."),
    Statement("broker-2", "broker",
              "I cross professional, organisational or sector boundaries without thinking"
              " about it."),
    Statement("challenger-2", "challenger",
              "I bring in perspectives from outside, such as those of patients, other sectors"
              " or research, that unsettle settled views."),
    Statement("energiser-2", "energiser",
              "When I talk about a piece of work, interest in it tends to spread."),
    Statement("broker-3", "broker",
              "Many of the people I work with belong to groups that rarely talk to each other."),
    Statement("energiser-3", "energiser",
              "People seek me out to work with them because they come away with more energy."),
    Statement("challenger-3", "challenger",
              "I question assumptions in a way that helps a group test and improve its ideas."),
    Statement("connector-3", "connector",
              "I know most people in my own team well, and they trust my judgement."),
]
#: the ratings a statement may get, lowest first
SCALE = {
    1: "Not like me",
    2: "A little like me",
    3: "Somewhat like me",
    4: "Quite like me",
    5: "Very like me",
}


@dataclass(frozen=True)
class Profile:
    """Rated answers summed up: each role's mean rating (1.0 to 5.0, in ROLES order) and the
    strongest role; for a saved reflection also where it is shared and when it was saved."""

    answers: dict[str, int]
    scores: dict[str, float]
    strongest: str
    on_profile: bool = False
    with_matches: bool = False
    saved_at: datetime | None = None

    @property
    def joint(self):
        """The other roles with the strongest role's score (empty when there is no tie)."""
        top = self.scores[self.strongest]
        return [key for key, score in self.scores.items()
                if score == top and key != self.strongest]

    @property
    def others(self):
        """Every role but the strongest, in ROLES order."""
        return [key for key in ROLES if key != self.strongest]


def _numbers(numbers):
    """"3", "3 and 7", "3, 5 and 7"."""
    words = [str(number) for number in numbers]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _rated(answers):
    """{statement key: rating} for every statement; InvalidInput naming those without a
    whole-number rating on the scale."""
    rated = {statement.key: answers.get(statement.key) for statement in STATEMENTS}
    missing = [number for number, rating in enumerate(rated.values(), 1)
               if type(rating) is not int or rating not in SCALE]
    if missing:
        plural = len(missing) > 1
        raise InvalidInput(f"Choose an answer for statement{'s' if plural else ''}"
                           f" {_numbers(missing)}: every statement needs one, from"
                           f" “{SCALE[1]}” to “{SCALE[5]}”.",
                           STATEMENTS[missing[0] - 1].key)
    return rated


def score(answers):
    """The profile of a full set of answers ({statement key: rating from 1 to 5})."""
    rated = _rated(answers)
    totals = {key: 0 for key in ROLES}
    for statement in STATEMENTS:
        totals[statement.role] += rated[statement.key]
    asked = {key: sum(statement.role == key for statement in STATEMENTS) for key in ROLES}
    means = {key: totals[key] / asked[key] for key in ROLES}
    return Profile(answers=rated, scores={key: round(mean, 1) for key, mean in means.items()},
                   strongest=max(ROLES, key=means.get))


def save(session, user, answers, *, on_profile, with_matches):
    """Store the member's answers, replacing any saved before, and whether their strongest
    role shows on their public profile and is told to their coffee matches."""
    permissions.require(permissions.may_save_reflection(user))
    profile = score(answers)
    db.begin_write(session)
    stored = session.get(Reflection, user.id)
    if stored is None:
        stored = Reflection(user_id=user.id)
        session.add(stored)
    stored.answers = profile.answers
    stored.strongest = profile.strongest
    stored.on_profile = bool(on_profile)
    stored.with_matches = bool(with_matches)
    stored.saved_at = utcnow()
    return profile


def forget(session, user):
    """Delete the member's saved reflection; whether there was one."""
    permissions.require(permissions.may_save_reflection(user))
    db.begin_write(session)
    stored = session.get(Reflection, user.id)
    if stored is not None:
        session.delete(stored)
    return stored is not None


def _stored(session, user):
    """The member's saved reflection, or None (always for readers and blocked accounts)."""
    if not permissions.is_member(user):
        return None
    return session.get(Reflection, user.id)


def saved(session, user):
    """The profile of the user's saved reflection, or None."""
    stored = _stored(session, user)
    if stored is None:
        return None
    return replace(score(stored.answers), on_profile=stored.on_profile,
                   with_matches=stored.with_matches, saved_at=stored.saved_at)


def role_for_matches(session, user):
    """The label of the user's strongest role if they chose to tell their coffee matches."""
    stored = _stored(session, user)
    return ROLES[stored.strongest].label if stored is not None and stored.with_matches else None


def role_on_profile(session, user):
    """The label of the user's strongest role if they chose to show it on their profile."""
    stored = _stored(session, user)
    return ROLES[stored.strongest].label if stored is not None and stored.on_profile else None
