"""GitHub: repository permissions (the OOPSLA 2024 `github` and `github-templates` benchmarks).

About 4,000 entities: 10 organizations with reader/writer/admin permission groups,
100 teams in a hierarchy, 1,500 users and 400 repositories, each with five permission
groups (readers, triagers, writers, maintainers, admins) that users and teams join.
Actions form GitHub's ladder read < triage < write < maintain < admin. The seven base
policies are the benchmark's eight with the two `read` rules merged; the tail is the
`github-templates` variant's per-user and per-team grants (links of five templates),
archived-repository freezes and per-user organization-wide grants.
"""

from __future__ import annotations

import random

from bench.workload import (
    JsonDict, Link, Probe, TailItem, Workload, count_types, entity, literal, probe_request, ref, request, uid,
)

SCHEMA = """\
entity OrgPermission, RepoPermission;

entity Organization = {
  "readers": OrgPermission,
  "writers": OrgPermission,
  "admins": OrgPermission,
};

entity Team in [Team, RepoPermission];

entity User in [Organization, Team, OrgPermission, RepoPermission];

entity Repository = {
  "owner": Organization,
  "readers": RepoPermission,
  "triagers": RepoPermission,
  "writers": RepoPermission,
  "maintainers": RepoPermission,
  "admins": RepoPermission,
};

action admin appliesTo { principal: [User], resource: [Repository] };
action maintain in [admin] appliesTo { principal: [User], resource: [Repository] };
action write in [maintain] appliesTo { principal: [User], resource: [Repository] };
action triage in [write] appliesTo { principal: [User], resource: [Repository] };
action read in [triage] appliesTo { principal: [User], resource: [Repository] };
"""

BASE_POLICIES = [
    """// readers of the repository or of its owner organization can read
permit (principal, action == Action::"read", resource)
when { principal in resource.readers || principal in resource.owner.readers };""",
    """permit (principal, action in Action::"triage", resource)
when { principal in resource.triagers };""",
    """permit (principal, action in Action::"write", resource)
when { principal in resource.writers };""",
    """permit (principal, action in Action::"maintain", resource)
when { principal in resource.maintainers };""",
    """permit (principal, action in Action::"admin", resource)
when { principal in resource.admins };""",
    """// users inherit write and admin permissions from the repository's owner
permit (principal, action in Action::"write", resource)
when { principal in resource.owner.writers };""",
    """permit (principal, action in Action::"admin", resource)
when { principal in resource.owner.admins };""",
]

ROLES = ["read", "triage", "write", "maintain", "admin"]
TEMPLATES = [
    f"""// grant {role} access to a user or team
permit (principal in ?principal, action {"==" if role == "read" else "in"} Action::"{role}", resource == ?resource);"""
    for role in ROLES
]

NUM_ORGS = 10
NUM_TEAMS = 100
NUM_USERS = 1500
NUM_REPOS = 400
REPO_GROUPS = ["readers", "triagers", "writers", "maintainers", "admins"]
ORG_GROUPS = ["readers", "writers", "admins"]


def build(seed: int, num_requests: int, max_size: int) -> Workload:
    rng = random.Random(f"{seed}/github")
    entities: list[JsonDict] = []
    orgs = [f"org_{i}" for i in range(NUM_ORGS)]
    for org in orgs:
        entities += [entity("OrgPermission", f"{org}_{g}") for g in ORG_GROUPS]
        entities.append(entity("Organization", org, {g: ref("OrgPermission", f"{org}_{g}") for g in ORG_GROUPS}))

    repos = [f"repo_{i}" for i in range(NUM_REPOS)]
    repo_parents: dict[str, list[JsonDict]] = {}  # member (user/team) -> repo permission groups
    repo_members: dict[str, list[str]] = {r: [] for r in repos}  # users and teams in a permission group
    org_repos: dict[str, list[str]] = {o: [] for o in orgs}
    for repo in repos:
        entities += [entity("RepoPermission", f"{repo}_{g}") for g in REPO_GROUPS]
        org = rng.choice(orgs)
        org_repos[org].append(repo)
        attrs: JsonDict = {"owner": ref("Organization", org)}
        attrs.update({g: ref("RepoPermission", f"{repo}_{g}") for g in REPO_GROUPS})
        entities.append(entity("Repository", repo, attrs))

    teams = [f"team_{i}" for i in range(NUM_TEAMS)]
    team_users: dict[str, list[str]] = {t: [] for t in teams}
    for i, team in enumerate(teams):
        parents = [uid("Team", teams[(i - 1) // 3])] if i else []
        for repo in rng.sample(repos, rng.randint(0, 4)):
            parents.append(uid("RepoPermission", f"{repo}_{rng.choice(REPO_GROUPS)}"))
            repo_members[repo].append(team)
        repo_parents[team] = parents
        entities.append(entity("Team", team, parents=parents))

    users = [f"user_{i}" for i in range(NUM_USERS)]
    for user in users:
        org = rng.choice(orgs)
        parents = [uid("Organization", org), uid("OrgPermission", f"{org}_readers")]
        roll = rng.random()
        if roll < 0.15:
            parents.append(uid("OrgPermission", f"{org}_writers"))
        elif roll < 0.18:
            parents.append(uid("OrgPermission", f"{org}_admins"))
        for team in rng.sample(teams, rng.randint(0, 2)):
            parents.append(uid("Team", team))
            team_users[team].append(user)
        for repo in rng.sample(repos, rng.randint(0, 3)):
            parents.append(uid("RepoPermission", f"{repo}_{rng.choice(REPO_GROUPS)}"))
            repo_members[repo].append(user)
        entities.append(entity("User", user, parents=parents))

    def member(team: str) -> str:
        return rng.choice(team_users[team]) if team_users[team] else rng.choice(users)

    tail: list[TailItem] = []
    probes: list[Probe] = []
    for n in range(max_size - len(BASE_POLICIES)):
        kind = rng.random()
        repo, user, role = rng.choice(repos), rng.choice(users), rng.randrange(len(ROLES))
        if kind < 0.55:
            tail.append(Link(role, f"grant_user_{n}", {"?principal": uid("User", user), "?resource": uid("Repository", repo)}))
            probes.append(Probe(uid("User", user), ROLES, uid("Repository", repo)))
        elif kind < 0.80:
            team = rng.choice(teams)
            tail.append(Link(role, f"grant_team_{n}", {"?principal": uid("Team", team), "?resource": uid("Repository", repo)}))
            probes.append(Probe(uid("User", member(team)), ROLES, uid("Repository", repo)))
        elif kind < 0.90:
            tail.append(
                f"// {repo} is archived: only its admins may write to it\n"
                f'forbid (principal, action == Action::"write", resource == {literal("Repository", repo)})\n'
                "unless { principal in resource.admins };"
            )
            probes.append(Probe(uid("User", rng.choice(repo_members[repo] or users)), ["write"], uid("Repository", repo)))
        else:
            org = rng.choice(orgs)
            tail.append(
                f"// {user} triages every repository of {org}\n"
                f'permit (principal == {literal("User", user)}, action in Action::"triage", resource)\n'
                f'when {{ resource.owner == {literal("Organization", org)} }};'
            )
            probes.append(Probe(uid("User", user), ["read", "triage"], uid("Repository", rng.choice(org_repos[org] or repos))))

    requests: list[JsonDict] = []
    for _ in range(num_requests):
        if rng.random() < 0.2 and probes:
            requests.append(probe_request(rng, probes))
            continue
        repo = rng.choice(repos)
        grantee = rng.choice(repo_members[repo]) if repo_members[repo] and rng.random() < 0.5 else None
        if grantee is None:
            principal = rng.choice(users)
        else:
            principal = member(grantee) if grantee in team_users else grantee
        requests.append(request(uid("User", principal), rng.choice(ROLES), uid("Repository", repo)))

    return Workload(
        name="github",
        description="GitHub repository permissions granted to users, teams and organizations",
        schema=SCHEMA,
        entities=entities,
        base_policies=BASE_POLICIES,
        templates=TEMPLATES,
        tail=tail,
        requests=requests,
        counts=count_types(entities),
    )
