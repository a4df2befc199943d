"""TinyTodo: shared todo lists (cedar-examples' `tinytodo`, as in the OOPSLA 2024 benchmarks).

About 4,100 entities: the application, 100 teams in a hierarchy (including `admin`
and `interns`), 2,000 users with a job level and a location, 2,000 lists each with
an owner, reader and editor teams and up to eight tasks. The seven base policies are
TinyTodo's policies 0-6 (cedar-examples' tinytodo/policies.cedar with the commented
ones enabled). The tail is what sharing produces: per-user and per-team share links of
three templates, per-user restrictions and per-list team grants.
"""

from __future__ import annotations

import random

from bench.workload import (
    JsonDict, Link, Probe, TailItem, Workload, count_types, entity, literal, probe_request, ref, request, uid,
)

SCHEMA = """\
type Task = {
  "id": Long,
  "name": String,
  "state": String,
};

type Tasks = Set<Task>;

entity Application enum ["TinyTodo"];

entity Team in [Team, Application];

entity User in [Team, Application] = {
  "joblevel": Long,
  "location": String,
};

entity List in [Application] = {
  "editors": Team,
  "name": String,
  "owner": User,
  "readers": Team,
  "tasks": Tasks,
};

action DeleteList, GetList, UpdateList appliesTo {
  principal: [User],
  resource: [List]
};

action CreateList, GetLists appliesTo {
  principal: [User],
  resource: [Application]
};

action CreateTask, UpdateTask, DeleteTask appliesTo {
  principal: [User],
  resource: [List]
};

action EditShare appliesTo {
  principal: [User],
  resource: [List]
};
"""

BASE_POLICIES = [
    """// Policy 0: any user can create a list and see what lists they own
permit (
  principal,
  action in [Action::"CreateList", Action::"GetLists"],
  resource == Application::"TinyTodo"
);""",
    """// Policy 1: a user can perform any action on a list they own
permit (principal, action, resource is List)
when { resource.owner == principal };""",
    """// Policy 2: a user can see a list if they are a reader or an editor
permit (principal, action == Action::"GetList", resource)
when { principal in resource.readers || principal in resource.editors };""",
    """// Policy 3: a user can update a list and its tasks if they are an editor
permit (
  principal,
  action in [Action::"UpdateList", Action::"CreateTask", Action::"UpdateTask", Action::"DeleteTask"],
  resource
)
when { principal in resource.editors };""",
    """// Policy 4: admins can perform any action on any resource
permit (principal in Team::"admin", action, resource in Application::"TinyTodo");""",
    """// Policy 5: interns may not create new task lists
forbid (principal in Team::"interns", action == Action::"CreateList", resource == Application::"TinyTodo");""",
    """// Policy 6: no access unless senior at a DEF site, or at the list owner's location
forbid (principal, action, resource is List)
unless {
  principal.joblevel > 6 && principal.location like "DEF*" ||
  principal.location == resource.owner.location
};""",
]

TEMPLATES = [
    """// share a list read-only with one user
permit (principal == ?principal, action == Action::"GetList", resource == ?resource);""",
    """// share a list for editing with one user
permit (
  principal == ?principal,
  action in [Action::"GetList", Action::"UpdateList", Action::"CreateTask", Action::"UpdateTask", Action::"DeleteTask"],
  resource == ?resource
);""",
    """// share a list read-only with a team
permit (principal in ?principal, action == Action::"GetList", resource == ?resource);""",
]

NUM_TEAMS = 100
NUM_USERS = 2000
NUM_LISTS = 2000
LOCATIONS = ["ABC-17", "DEF-3", "DEF-9", "XYZ-1"]
LIST_ACTIONS = ["GetList", "UpdateList", "DeleteList", "CreateTask", "UpdateTask", "DeleteTask", "EditShare"]
APP = uid("Application", "TinyTodo")


def build(seed: int, num_requests: int, max_size: int) -> Workload:
    rng = random.Random(f"{seed}/tinytodo")
    teams = ["admin", "interns"] + [f"team_{i}" for i in range(NUM_TEAMS - 2)]
    entities: list[JsonDict] = [entity("Application", "TinyTodo")]
    for i, name in enumerate(teams):
        # a DAG of depth about log2(teams): each team sits under a team of roughly half its index
        parents = [uid("Team", teams[(i - 1) // 2])] if i > 2 else []
        if i > 4 and rng.random() < 0.1:
            parents.append(uid("Team", teams[rng.randrange(2, i)]))
        entities.append(entity("Team", name, parents=parents + [APP]))

    members: dict[str, list[str]] = {t: [] for t in teams}
    users = [f"user_{i}" for i in range(NUM_USERS)]
    for name in users:
        own = rng.sample(teams[2:], rng.randint(1, 3))
        if rng.random() < 0.02:
            own.append("admin")
        if rng.random() < 0.05:
            own.append("interns")
        for t in own:
            members[t].append(name)
        attrs = {"joblevel": rng.randint(1, 10), "location": rng.choice(LOCATIONS)}
        entities.append(entity("User", name, attrs, [uid("Team", t) for t in own] + [APP]))

    lists: list[tuple[str, str, str, str]] = []  # (list, owner, readers, editors)
    for i in range(NUM_LISTS):
        name, owner = f"list_{i}", rng.choice(users)
        readers, editors = rng.choice(teams[2:]), rng.choice(teams[2:])
        tasks = [
            {"id": j, "name": f"task {j} of {name}", "state": rng.choice(["checked", "unchecked"])}
            for j in range(rng.randint(0, 8))
        ]
        attrs = {
            "name": name,
            "owner": ref("User", owner),
            "readers": ref("Team", readers),
            "editors": ref("Team", editors),
            "tasks": tasks,
        }
        entities.append(entity("List", name, attrs, [APP]))
        lists.append((name, owner, readers, editors))

    def member(team: str) -> str:
        return rng.choice(members[team]) if members[team] else rng.choice(users)

    edit_actions = ["GetList", "UpdateList", "CreateTask", "UpdateTask", "DeleteTask"]
    tail: list[TailItem] = []
    probes: list[Probe] = []
    for n in range(max_size - len(BASE_POLICIES)):
        kind = rng.random()
        user, lst, team = rng.choice(users), rng.choice(lists)[0], rng.choice(teams[2:])
        if kind < 0.40:
            tail.append(Link(0, f"share_read_{n}", {"?principal": uid("User", user), "?resource": uid("List", lst)}))
            probes.append(Probe(uid("User", user), ["GetList"], uid("List", lst)))
        elif kind < 0.60:
            tail.append(Link(1, f"share_edit_{n}", {"?principal": uid("User", user), "?resource": uid("List", lst)}))
            probes.append(Probe(uid("User", user), edit_actions, uid("List", lst)))
        elif kind < 0.70:
            tail.append(Link(2, f"share_team_{n}", {"?principal": uid("Team", team), "?resource": uid("List", lst)}))
            probes.append(Probe(uid("User", member(team)), ["GetList"], uid("List", lst)))
        elif kind < 0.85:
            tail.append(
                f"// {user} may delete only their own lists and tasks\n"
                f"forbid (principal == {literal('User', user)}, "
                f'action in [Action::"DeleteList", Action::"DeleteTask"], resource)\n'
                "unless { resource is List && resource.owner == principal };"
            )
            probes.append(Probe(uid("User", user), ["DeleteList", "DeleteTask"], uid("List", lst)))
        else:
            tail.append(
                f"// senior members of {team} may read and add tasks to {lst}\n"
                f"permit (principal in {literal('Team', team)}, "
                f'action in [Action::"GetList", Action::"CreateTask"], resource == {literal("List", lst)})\n'
                "when { principal.joblevel >= 4 };"
            )
            probes.append(Probe(uid("User", member(team)), ["GetList", "CreateTask"], uid("List", lst)))

    requests: list[JsonDict] = []
    for _ in range(num_requests):
        roll = rng.random()
        if roll < 0.2 and probes:
            requests.append(probe_request(rng, probes))
            continue
        if roll < 0.3:
            action = rng.choice(["CreateList", "GetLists"])
            requests.append(request(uid("User", rng.choice(users)), action, APP))
            continue
        name, owner, readers, editors = rng.choice(lists)
        who = rng.random()
        if who < 0.25:
            principal = owner
        elif who < 0.60 and (members[readers] or members[editors]):
            principal = rng.choice(members[readers] + members[editors])
        else:
            principal = rng.choice(users)
        requests.append(request(uid("User", principal), rng.choice(LIST_ACTIONS), uid("List", name)))

    return Workload(
        name="tinytodo",
        description="TinyTodo lists shared by users and teams",
        schema=SCHEMA,
        entities=entities,
        base_policies=BASE_POLICIES,
        templates=TEMPLATES,
        tail=tail,
        requests=requests,
        counts=count_types(entities),
    )
