#!/usr/bin/env python3
"""Known-answer vectors for chain/smt and chain's Merkle trees, computed from the specs alone.

This is an independent implementation written from the package docs, not from the Go code:

  chain/smt/doc.go     the sparse Merkle tree: hashing, the leaf shortcut, batches
  chain/smt/proof.go   the Proof type's doc (siblings root-down, the Leaf* fields) and Marshal's layout
  chain/doc.go         how the KV application maps a key and (version, value) onto an SMT leaf
  chain/keys.go        smtKey = sha256(0x01||key)
  chain/block.go       MerkleRoot / MerkleProof / VerifyMerkleProof doc comments (results and tx roots)
  chain/result.go      a Result's wire layout (ResultLeaf = sha256 of it)

Usage (Python 3 standard library only):

  python3 scripts/smt-vectors.py smt   > chain/smt/testdata/vectors.json
  python3 scripts/smt-vectors.py chain > chain/testdata/vectors.json

The output is deterministic. chain/smt/vectors_test.go and chain/vectors_test.go check the Go code against it.

Where the specs are silent or ambiguous, this script follows the Go code's behaviour for that point only.
Each such point is marked "AMBIGUOUS" below and listed in the JSON's "ambiguities" field:

  1. SMT path bits: doc.go never says which bit of the 256-bit key picks the child at a depth, nor which child
     is 0. Followed the code: depth d reads bit d counting from the most significant bit of byte 0
     (big-endian bit order); bit 0 goes left, bit 1 right.
  2. SMT internal nodes along a shared prefix: doc.go says a leaf sits "at the shallowest depth where it is
     alone" and that internal = H(0x01||left||right), but does not say outright that there is no path
     compression. Read it (as the code does) as one binary internal node per depth on the shared prefix,
     each with an empty (zero) sibling.
  3. Proof.Marshal's count(2): the doc gives the width, not the byte order. Followed the code: big-endian.
  4. Proof sibling order: proof.go says the siblings are "beside the path from the root down"; read as
     Siblings[0] = the sibling at depth 0 (the root's other child), as the code does.
  5. chain's value hash sha256(version||value): the doc does not give version's encoding. Followed the
     code: 8 bytes big-endian.
"""

import hashlib
import json
import sys


def H(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


ZERO = bytes(32)


def hx(b):
    return b.hex()


# --------------------------------------------------------------------------------------------------------
# Sparse Merkle tree (chain/smt/doc.go)
#
#   empty subtree = 32 zero bytes
#   leaf          = H(0x00 || key || valueHash)
#   internal      = H(0x01 || left || right)
#   a subtree holding exactly one leaf is that leaf, at the shallowest depth where it is alone; internal nodes
#   exist only over two or more leaves; the root is a function of the set of (key, valueHash) pairs.

DEPTH_MAX = 256

PROOF_STEPS = {
    "empty commit",
    "one leaf: the root is the leaf itself",
    "a second key sharing 255 bits: 256 levels",
    "delete then set in one batch is a set",
    "delete K1: K1^200 moves up",
    "delete all but one",
}


def path_bit(key, depth):
    # AMBIGUOUS (1): most significant bit of byte 0 first; 0 = left.
    return (key[depth // 8] >> (7 - depth % 8)) & 1


def leaf_hash(key, vh):
    return H(b"\x00", key, vh)


def internal_hash(left, right):
    return H(b"\x01", left, right)


def subtree(depth, leaves):
    """Hash of the subtree at `depth` holding `leaves` (a dict key -> valueHash, all sharing `depth` path bits)."""
    if not leaves:
        return ZERO
    if len(leaves) == 1:
        (k, v), = leaves.items()
        return leaf_hash(k, v)
    assert depth < DEPTH_MAX, "two distinct keys cannot share all 256 bits"
    # AMBIGUOUS (2): no path compression; one internal node per depth.
    left = {k: v for k, v in leaves.items() if path_bit(k, depth) == 0}
    right = {k: v for k, v in leaves.items() if path_bit(k, depth) == 1}
    return internal_hash(subtree(depth + 1, left), subtree(depth + 1, right))


def smt_root(leaves):
    return subtree(0, leaves)


def smt_prove(leaves, key):
    """The proof of proof.go's doc: siblings beside the path from the root down to where the walk ends (the
    key's own leaf, another leaf on the key's path, or an empty subtree)."""
    siblings = []
    under = dict(leaves)
    depth = 0
    while True:
        if not under:
            return {"siblings": siblings, "has_leaf": False}
        if len(under) == 1:
            (k, v), = under.items()
            return {"siblings": siblings, "has_leaf": True, "leaf_key": k, "leaf_value": v}
        b = path_bit(key, depth)
        same = {k: v for k, v in under.items() if path_bit(k, depth) == b}
        other = {k: v for k, v in under.items() if path_bit(k, depth) != b}
        siblings.append(subtree(depth + 1, other))  # AMBIGUOUS (4): root-first order
        under = same
        depth += 1


def smt_verify(root, key, vh, proof):
    """Independent check of a proof (used only to make sure this script's own vectors are consistent)."""
    sib = proof["siblings"]
    d = len(sib)
    if d > DEPTH_MAX:
        return False
    if vh is not None:
        if not proof["has_leaf"] or proof["leaf_key"] != key or proof["leaf_value"] != vh:
            return False
        h = leaf_hash(key, vh)
    elif proof["has_leaf"]:
        lk = proof["leaf_key"]
        if lk == key or any(path_bit(lk, i) != path_bit(key, i) for i in range(d)):
            return False
        h = leaf_hash(lk, proof["leaf_value"])
    else:
        h = ZERO
    for i in range(d - 1, -1, -1):
        h = internal_hash(h, sib[i]) if path_bit(key, i) == 0 else internal_hash(sib[i], h)
    return h == root


def marshal_proof(p):
    # proof.go: count(2) siblings(32 each) hasLeaf(1) [leafKey(32) leafValue(32)]; AMBIGUOUS (3): big-endian.
    out = len(p["siblings"]).to_bytes(2, "big") + b"".join(p["siblings"])
    if not p["has_leaf"]:
        return out + b"\x00"
    return out + b"\x01" + p["leaf_key"] + p["leaf_value"]


def proof_json(p, marshaled=True):
    j = {"siblings": [hx(s) for s in p["siblings"]], "has_leaf": p["has_leaf"]}
    if marshaled:
        j["marshaled"] = hx(marshal_proof(p))
    if p["has_leaf"]:
        j["leaf_key"], j["leaf_value"] = hx(p["leaf_key"]), hx(p["leaf_value"])
    return j


def flip(key, bit):
    b = bytearray(key)
    b[bit // 8] ^= 0x80 >> (bit % 8)
    return bytes(b)


def label(name):
    return H(name.encode())


def smt_vectors():
    K1 = label("smt-key-1")
    K1_b255 = flip(K1, 255)  # shares all but the last bit with K1: both leaves sit at depth 256
    K1_b200 = flip(K1, 200)  # shares 200 bits
    K1_b9 = flip(K1, 9)  # shares 9 bits (differs inside the second byte)
    K2 = label("smt-key-2")
    KZ = ZERO  # the all-zero key (leftmost path)
    KF = b"\xff" * 32  # the all-one key (rightmost path)
    keys = {"K1": K1, "K1^255": K1_b255, "K1^200": K1_b200, "K1^9": K1_b9, "K2": K2, "K0": KZ, "Kff": KF}
    # Absent keys probed for non-membership.
    probes = {
        "K1^254": flip(K1, 254),  # shares 254 bits with K1 and K1^255: its walk ends in an empty subtree at depth 255
        "K1^201": flip(K1, 201),  # shares 201 bits with K1 only
        "K1^0": flip(K1, 0),  # differs at the very first bit
        "K2^255": flip(K2, 255),  # shares 255 bits with K2: ends at K2's leaf (another leaf on its path)
        "K3": label("smt-key-3"),
        "K0^255": flip(KZ, 255),
    }
    allkeys = dict(keys)
    allkeys.update(probes)

    V = {
        "v1": label("value-1"),
        "v2": label("value-2"),
        "v3": label("value-3"),
        "zero": ZERO,  # a value hash of 32 zero bytes is a value like any other (the leaf still exists)
        "ff": b"\xff" * 32,
    }

    # Each step is one batch of ops applied in order (the last staged write of a key wins), then Commit.
    # Proofs for every key are recorded after the steps marked True (all steps would make the file large:
    # a proof of a depth-256 leaf holds 256 siblings).
    steps = [
        ("empty commit", []),
        ("one leaf: the root is the leaf itself", [("set", "K1", "v1")]),
        ("update the only leaf", [("set", "K1", "v2")]),
        ("a second key sharing 255 bits: 256 levels", [("set", "K1^255", "v1")]),
        ("keys sharing 200 and 9 bits, a zero value hash", [("set", "K1^200", "zero"), ("set", "K1^9", "v3")]),
        ("extreme keys, last write in a batch wins", [("set", "K0", "v1"), ("set", "Kff", "v2"), ("set", "K0", "ff")]),
        ("set then delete in one batch is a delete; delete of an absent key is a no-op",
         [("set", "K2", "v1"), ("delete", "K2", None), ("delete", "K3", None)]),
        ("delete then set in one batch is a set", [("delete", "K2", None), ("set", "K2", "v3")]),
        ("delete the depth-256 sibling: K1 moves up", [("delete", "K1^255", None)]),
        ("delete K1: K1^200 moves up", [("delete", "K1", None)]),
        ("re-add K1 and K1^255 with other values", [("set", "K1", "v3"), ("set", "K1^255", "zero")]),
        ("delete all but one", [("delete", k, None) for k in ["K1", "K1^255", "K1^200", "K1^9", "K0", "Kff"]]),
        ("delete the last", [("delete", "K2", None)]),
    ]

    state = {}
    out_steps = []
    snapshots = {}
    for name, ops in steps:
        with_proofs = name in PROOF_STEPS
        for op, k, v in ops:
            if op == "set":
                state[allkeys[k]] = V[v]
            else:
                state.pop(allkeys[k], None)
        root = smt_root(state)
        snapshots[name] = dict(state)
        proofs = []
        for kname, key in allkeys.items():
            p = smt_prove(state, key)
            present = key in state
            vh = state.get(key)
            assert smt_verify(root, key, vh, p), (name, kname)
            if present:
                assert not smt_verify(root, key, None, p)
                assert not smt_verify(root, key, bytes([vh[0] ^ 1]) + vh[1:], p)
            if not with_proofs:
                continue
            pj = {"key": kname, "present": present}
            if present:
                pj["value"] = hx(vh)
            # The encoding is given for short proofs and for K1 (256 siblings: a count above one byte); the
            # others would only repeat their sibling lists.
            pj["proof"] = proof_json(p, marshaled=len(p["siblings"]) <= 32 or kname == "K1")
            proofs.append(pj)
        step = {
            "name": name,
            "ops": [{"op": op, "key": k} if v is None else {"op": op, "key": k, "value": v} for op, k, v in ops],
            "len": len(state),
            "root": hx(root),
        }
        if with_proofs:
            step["proofs"] = proofs
        out_steps.append(step)

    # The leaf set of the step "re-add K1 and K1^255 ..." inserted into a fresh tree in one batch, in another
    # order: the root must be that step's (history independence).
    names = {k: n for n, k in allkeys.items()}
    vnames = {v: n for n, v in V.items()}
    snap = snapshots["re-add K1 and K1^255 with other values"]
    one_batch = {"same_as_step": "re-add K1 and K1^255 with other values",
                 "keys": [{"key": names[k], "value": vnames[v]} for k, v in sorted(snap.items(), reverse=True)],
                 "root": hx(smt_root(snap))}

    return {
        "spec": "chain/smt/doc.go, chain/smt/proof.go; generated by scripts/smt-vectors.py smt",
        "ambiguities": AMBIGUITIES,
        "empty_root": hx(smt_root({})),
        "keys": {n: hx(k) for n, k in allkeys.items()},
        "values": {n: hx(v) for n, v in V.items()},
        "steps": out_steps,
        "one_batch": one_batch,
    }


AMBIGUITIES = [
    "path bits: depth d reads bit d of the key counting from the most significant bit of byte 0; 0 = left (code)",
    "no path compression: one internal node per depth along a shared prefix, empty siblings are 32 zero bytes (code)",
    "Proof.Marshal count(2) is big-endian (code)",
    "Proof.Siblings[0] is the sibling at depth 0, the root's other child (code)",
    "chain value hash sha256(version||value): version is 8 bytes big-endian (code)",
]


# --------------------------------------------------------------------------------------------------------
# chain: KV state leaves (chain/doc.go, chain/keys.go) and the results Merkle tree (chain/block.go)

def kv_smt_key(key):
    return H(b"\x01", key)


def kv_value_hash(version, value):
    return H(version.to_bytes(8, "big"), value)  # AMBIGUOUS (5)


def grind_shared_prefix(bits):
    """The first two keys "grind-<i>" (in order of discovery) whose smtKeys share at least `bits` leading bits."""
    seen = {}
    i = 0
    while True:
        k = b"grind-%d" % i
        sk = kv_smt_key(k)
        p = int.from_bytes(sk, "big") >> (256 - bits)
        if p in seen:
            return seen[p], k
        seen[p] = k
        i += 1


def shared_bits(a, b):
    x = int.from_bytes(a, "big") ^ int.from_bytes(b, "big")
    return 256 - x.bit_length()


def merkle_leaf(l):
    return H(b"\x00", l)


def merkle_node(l, r):
    return H(b"\x01", l, r)


def merkle_root(leaves):
    # block.go: each leaf enters as sha256(0x00||leaf), internal nodes sha256(0x01||left||right), a level's odd
    # last node is promoted unchanged, and no leaves give zero.
    if not leaves:
        return ZERO
    level = [merkle_leaf(l) for l in leaves]
    while len(level) > 1:
        nxt = [merkle_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def merkle_proof(leaves, i):
    # block.go: the siblings of leaf i, bottom up; promoted levels contribute none.
    level = [merkle_leaf(l) for l in leaves]
    proof = []
    while len(level) > 1:
        sib = i ^ 1
        if sib < len(level):
            proof.append(level[sib])
        nxt = [merkle_node(level[k], level[k + 1]) for k in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level, i = nxt, i // 2
    return proof


def merkle_verify(root, leaf, i, n, proof):
    h = merkle_leaf(leaf)
    width = n
    proof = list(proof)
    while width > 1:
        if (i ^ 1) < width:
            if not proof:
                return False
            s = proof.pop(0)
            h = merkle_node(h, s) if i % 2 == 0 else merkle_node(s, h)
        i //= 2
        width = (width + 1) // 2
    return not proof and h == root


def result_bytes(r):
    # result.go: txHash(32) code(1) found(1) version(8) height(8) seq(8) valueLen(4) value.
    return (r["tx_hash"] + bytes([r["code"], 1 if r["found"] else 0]) + r["version"].to_bytes(8, "big")
            + r["height"].to_bytes(8, "big") + r["seq"].to_bytes(8, "big") + len(r["value"]).to_bytes(4, "big")
            + r["value"])


def chain_vectors():
    a, b = grind_shared_prefix(32)
    # Values of different lengths, the empty one included (a Put may carry an empty value).
    entries = [
        ("alpha", 1, b""),
        ("beta", 3, b"x"),
        ("gamma", 1, bytes(range(32))),
        ("delta", 2, bytes(range(33))),
        ("epsilon", 7, b"v" * 1000),
        (a.decode(), 1, b"shared prefix a"),
        (b.decode(), 2, b""),
    ]
    kv = []
    state = {}
    for key, version, value in entries:
        sk, vh = kv_smt_key(key.encode()), kv_value_hash(version, value)
        kv.append({"key": hx(key.encode()), "version": version, "value": hx(value), "smt_key": hx(sk),
                   "value_hash": hx(vh)})
        state[sk] = vh
    root = smt_root(state)
    proofs = []
    for e in kv:
        sk = bytes.fromhex(e["smt_key"])
        p = smt_prove(state, sk)
        assert smt_verify(root, sk, bytes.fromhex(e["value_hash"]), p)
        proofs.append({"key": e["key"], "smt_key": e["smt_key"], "version": e["version"], "value": e["value"],
                       "proof": proof_json(p)})
    for absent in [b"absent", b"zeta", b"grind-absent"]:
        sk = kv_smt_key(absent)
        p = smt_prove(state, sk)
        assert smt_verify(root, sk, None, p)
        proofs.append({"key": hx(absent), "smt_key": hx(sk), "absent": True, "proof": proof_json(p)})

    results = []
    for i in range(7):
        r = {"tx_hash": H(b"tx-%d" % i), "code": [0, 0, 3, 0, 4, 1, 2][i], "found": i % 3 == 0,
             "version": [1, 0, 5, 2, 0, 0, 0][i], "height": 10 + i // 4, "seq": 100 + i // 4,
             "value": [b"", b"v", b"", bytes(range(64)), b"", b"", b"value"][i]}
        results.append(r)
    leaves = [H(result_bytes(r)) for r in results]
    trees = []
    for n in [0, 1, 2, 3, 4, 5, 6, 7]:
        ls = leaves[:n]
        root_n = merkle_root(ls)
        ps = []
        for i in range(n):
            p = merkle_proof(ls, i)
            assert merkle_verify(root_n, ls[i], i, n, p)
            if n > 1:
                assert not merkle_verify(root_n, ls[(i + 1) % n], i, n, p)
            ps.append([hx(s) for s in p])
        trees.append({"n": n, "root": hx(root_n), "proofs": ps})

    # TxRoot is the same tree over sha256 of each raw transaction (any bytes: malformed ones are in blocks too).
    txs = [b"", b"tx-a", bytes(65), b"tx-c" * 50, b"tx-d"]
    tx_roots = [{"txs": [hx(x) for x in txs[:n]], "root": hx(merkle_root([H(x) for x in txs[:n]]))}
                for n in [0, 1, 2, 5]]

    return {
        "spec": "chain/doc.go, chain/keys.go, chain/block.go, chain/result.go; generated by scripts/smt-vectors.py chain",
        "tx_roots": tx_roots,
        "ambiguities": AMBIGUITIES,
        "kv": {
            "entries": kv,
            "shared_prefix": {"a": hx(a), "b": hx(b), "bits": shared_bits(kv_smt_key(a), kv_smt_key(b))},
            "root": hx(root),
            "proofs": proofs,
        },
        "results": {
            "results": [{"tx_hash": hx(r["tx_hash"]), "code": r["code"], "found": r["found"], "version": r["version"],
                         "height": r["height"], "seq": r["seq"], "value": hx(r["value"]),
                         "encoded": hx(result_bytes(r)), "leaf": hx(H(result_bytes(r)))} for r in results],
            "trees": trees,
        },
    }


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "smt"
    if mode == "smt":
        out = smt_vectors()
    elif mode == "chain":
        out = chain_vectors()
    else:
        sys.exit("usage: smt-vectors.py [smt|chain]")
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
