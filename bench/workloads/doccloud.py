"""Document cloud: documents shared through ACLs (cedar-examples' `document_cloud`, plus folders).

About 4,100 entities: one drive, 800 users (each with a personal group and a
`blocked` list), 100 shared groups, 60 folders in a tree, 600 documents with view,
modify and manage ACLs (three `DocumentShare` entities each) and the `Public`
principal. The seven base policies are the example's, with rules of the same shape
merged; the tail is per-principal shares (links of two gdrive-style templates that
take a folder or a document), legal holds on documents and per-user restrictions.
"""

from __future__ import annotations

import random

from bench.workload import (
    JsonDict, Link, Probe, TailItem, Workload, count_types, entity, literal, probe_request, ref, request, uid,
)

SCHEMA = """\
entity Drive;
entity DocumentShare;
entity Folder in [Folder];

entity Document in [Folder] = {
  "isPrivate": Bool,
  "manageACL": DocumentShare,
  "modifyACL": DocumentShare,
  "owner": User,
  "publicAccess": String,
  "viewACL": DocumentShare,
};

entity Group in [DocumentShare] = {
  "owner": User,
};

entity Public in [DocumentShare];

entity User in [Group] = {
  "blocked": Set<User>,
  "personalGroup": Group,
};

type Ctx = { "is_authenticated": Bool };

action DeleteGroup, ModifyGroup appliesTo { principal: [User], resource: [Group], context: Ctx };
action CreateGroup, CreateDocument appliesTo { principal: [User], resource: [Drive], context: Ctx };
action ViewDocument appliesTo { principal: [User, Public], resource: [Document], context: Ctx };
action ModifyDocument, AddToShareACL, DeleteDocument, EditIsPrivate, EditPublicAccess appliesTo {
  principal: [User],
  resource: [Document],
  context: Ctx
};
"""

BASE_POLICIES = [
    """permit (principal, action in [Action::"CreateDocument", Action::"CreateGroup"], resource == Drive::"drive");""",
    """// owners manage their documents and groups
permit (
  principal,
  action in [
    Action::"ViewDocument", Action::"ModifyDocument", Action::"EditIsPrivate", Action::"AddToShareACL",
    Action::"EditPublicAccess", Action::"DeleteDocument", Action::"ModifyGroup", Action::"DeleteGroup"
  ],
  resource
)
when { principal == resource.owner };""",
    """permit (principal, action == Action::"ViewDocument", resource)
when { principal in resource.viewACL }
unless { resource.isPrivate };""",
    """permit (principal, action == Action::"ModifyDocument", resource)
when { principal in resource.modifyACL }
unless { resource.isPrivate };""",
    """permit (principal, action in [Action::"AddToShareACL", Action::"EditPublicAccess"], resource)
when { principal in resource.manageACL };""",
    """// nobody reaches a document across a block, in either direction
forbid (
  principal,
  action in [
    Action::"ViewDocument", Action::"ModifyDocument", Action::"EditIsPrivate",
    Action::"AddToShareACL", Action::"EditPublicAccess", Action::"DeleteDocument"
  ],
  resource
)
when {
  principal has blocked &&
  (resource.owner.blocked.contains(principal) || principal.blocked.contains(resource.owner))
};""",
    """forbid (principal, action, resource)
when { !context.is_authenticated };""",
]

TEMPLATES = [
    """// share a document, or a folder and everything in it, for viewing
permit (principal in ?principal, action == Action::"ViewDocument", resource in ?resource);""",
    """// share a document, or a folder and everything in it, for editing
permit (
  principal in ?principal,
  action in [Action::"ViewDocument", Action::"ModifyDocument"],
  resource in ?resource
)
unless { resource.isPrivate };""",
]

NUM_USERS = 800
NUM_GROUPS = 100
NUM_FOLDERS = 60
NUM_DOCUMENTS = 600
DOC_ACTIONS = ["ViewDocument", "ViewDocument", "ViewDocument", "ModifyDocument", "ModifyDocument",
               "AddToShareACL", "DeleteDocument", "EditIsPrivate", "EditPublicAccess"]
ACLS = ["viewACL", "modifyACL", "manageACL"]


def build(seed: int, num_requests: int, max_size: int) -> Workload:
    rng = random.Random(f"{seed}/doccloud")
    users = [f"user_{i}" for i in range(NUM_USERS)]
    groups = [f"group_{i}" for i in range(NUM_GROUPS)]
    folders = [f"folder_{i}" for i in range(NUM_FOLDERS)]
    documents = [f"doc_{i}" for i in range(NUM_DOCUMENTS)]

    entities: list[JsonDict] = [entity("Drive", "drive")]
    for i, folder in enumerate(folders):
        entities.append(entity("Folder", folder, parents=[uid("Folder", folders[(i - 1) // 4])] if i else []))

    user_groups = {user: rng.sample(groups, rng.randint(0, 3)) for user in users}
    group_members: dict[str, list[str]] = {g: [] for g in groups}
    for user, own in user_groups.items():
        for g in own:
            group_members[g].append(user)

    # sharing a document's ACL with a group or the public makes it a member of the ACL entity
    share_parents: dict[tuple[str, str], list[JsonDict]] = {}
    doc_owner: dict[str, str] = {}
    folder_documents: dict[str, list[str]] = {f: [] for f in folders}  # direct children only
    doc_sharees: dict[str, list[str]] = {}  # users some ACL of the document reaches
    public_parents: list[JsonDict] = []
    for doc in documents:
        owner = rng.choice(users)
        doc_owner[doc] = owner
        public = rng.choices(["none", "view", "edit"], [0.8, 0.15, 0.05])[0]
        attrs = {
            "isPrivate": rng.random() < 0.1,
            "owner": ref("User", owner),
            "publicAccess": public,
        }
        attrs.update({acl: ref("DocumentShare", f"{doc}_{acl}") for acl in ACLS})
        entities += [entity("DocumentShare", f"{doc}_{acl}") for acl in ACLS]
        folder = rng.choice(folders)
        folder_documents[folder].append(doc)
        entities.append(entity("Document", doc, attrs, [uid("Folder", folder)]))
        if public != "none":
            public_parents.append(uid("DocumentShare", f"{doc}_viewACL"))
        for acl in ACLS:
            shared_groups, shared_users = rng.sample(groups, rng.randint(0, 2)), rng.sample(users, rng.randint(0, 2))
            for grantee in shared_groups + [f"{u}_personal" for u in shared_users]:
                share_parents.setdefault(("Group", grantee), []).append(uid("DocumentShare", f"{doc}_{acl}"))
            sharees = doc_sharees.setdefault(doc, [])
            sharees += shared_users
            for g in shared_groups:
                sharees += group_members[g]
    entities.append(entity("Public", "public", parents=public_parents))

    for group in groups:
        entities.append(entity("Group", group, {"owner": ref("User", rng.choice(users))}, share_parents.get(("Group", group), [])))
    for user in users:
        personal = f"{user}_personal"
        entities.append(entity("Group", personal, {"owner": ref("User", user)}, share_parents.get(("Group", personal), [])))
        blocked = [ref("User", b) for b in rng.sample(users, rng.choice([0, 0, 0, 0, 1, 2]))]
        attrs = {"blocked": blocked, "personalGroup": ref("Group", personal)}
        entities.append(entity("User", user, attrs, [uid("Group", g) for g in [personal] + user_groups[user]]))

    def user_of(principal: JsonDict) -> JsonDict:
        if principal["type"] == "User":
            return principal
        members = group_members[principal["id"]]
        return uid("User", rng.choice(members) if members else rng.choice(users))

    def document_of(target: JsonDict) -> JsonDict:
        if target["type"] == "Document":
            return target
        return uid("Document", rng.choice(folder_documents[target["id"]] or documents))

    tail: list[TailItem] = []
    probes: list[Probe] = []
    for n in range(max_size - len(BASE_POLICIES)):
        kind = rng.random()
        user, doc = rng.choice(users), rng.choice(documents)
        principal = uid("User", user) if rng.random() < 0.7 else uid("Group", rng.choice(groups))
        target = uid("Document", doc) if rng.random() < 0.8 else uid("Folder", rng.choice(folders))
        if kind < 0.45:
            tail.append(Link(0, f"share_view_{n}", {"?principal": principal, "?resource": target}))
            probes.append(Probe(user_of(principal), ["ViewDocument"], document_of(target)))
        elif kind < 0.75:
            tail.append(Link(1, f"share_edit_{n}", {"?principal": principal, "?resource": target}))
            probes.append(Probe(user_of(principal), ["ViewDocument", "ModifyDocument"], document_of(target)))
        elif kind < 0.87:
            tail.append(
                f"// legal hold on {doc}\n"
                f'forbid (principal, action in [Action::"DeleteDocument", Action::"ModifyDocument"], '
                f"resource == {literal('Document', doc)});"
            )
            probes.append(Probe(uid("User", doc_owner[doc]), ["DeleteDocument", "ModifyDocument"], uid("Document", doc)))
        else:
            tail.append(
                f"// {user} may change sharing only from an authenticated session on their own documents\n"
                f'forbid (principal == {literal("User", user)}, action in [Action::"AddToShareACL", Action::"EditPublicAccess"], resource)\n'
                "unless { context.is_authenticated && resource.owner == principal };"
            )
            probes.append(Probe(uid("User", user), ["AddToShareACL", "EditPublicAccess"], uid("Document", doc)))

    requests: list[JsonDict] = []
    for _ in range(num_requests):
        context = {"is_authenticated": rng.random() < 0.95}
        roll = rng.random()
        if roll < 0.2 and probes:
            requests.append(probe_request(rng, probes, context))
        elif roll < 0.25:
            requests.append(request(uid("User", rng.choice(users)), rng.choice(["CreateDocument", "CreateGroup"]), uid("Drive", "drive"), context))
        elif roll < 0.30:
            group = rng.choice(groups)
            requests.append(request(uid("User", rng.choice(users)), rng.choice(["ModifyGroup", "DeleteGroup"]), uid("Group", group), context))
        elif roll < 0.35:
            requests.append(request(uid("Public", "public"), "ViewDocument", uid("Document", rng.choice(documents)), context))
        else:
            doc = rng.choice(documents)
            who = rng.random()
            if who < 0.25:
                user = doc_owner[doc]
            elif who < 0.55 and doc_sharees[doc]:
                user = rng.choice(doc_sharees[doc])
            else:
                user = rng.choice(users)
            requests.append(request(uid("User", user), rng.choice(DOC_ACTIONS), uid("Document", doc), context))

    return Workload(
        name="doccloud",
        description="Document cloud: ACL-shared documents in folders",
        schema=SCHEMA,
        entities=entities,
        base_policies=BASE_POLICIES,
        templates=TEMPLATES,
        tail=tail,
        requests=requests,
        counts=count_types(entities),
    )
