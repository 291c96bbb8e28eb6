package wire_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/wire"
)

// Test vectors for another implementation (docs/wire-format.md): a transaction with its signing bytes and
// Ed25519 signature, a block header and its hash, a checkpoint's digest, BLS shares and certificate (signer
// bitmap), its gossip announcement and an execution certificate, all from fixed seeds. The byte layouts are
// assembled here by hand, as the document writes them, and compared with what the code produces; signatures
// (deterministic in both schemes) are frozen in testdata/vectors.json, which `go test ./wire -run
// TestWireVectors -update` rewrites after a deliberate format change.

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

const vectorsChainID = "vectors"

type vectorReplica struct {
	Ed25519Seed string `json:"ed25519_seed"`
	PubKey      string `json:"pub_key"`
	PeerID      string `json:"peer_id"`
	BLSSeed     string `json:"bls_seed"`
	BLSPubKey   string `json:"bls_pub_key"`
	BLSPoP      string `json:"bls_pop"`
}

type vectors struct {
	ChainID  string          `json:"chain_id"`
	Replicas []vectorReplica `json:"replicas"`
	Tx       struct {
		ClientSeed   string `json:"client_seed"`
		Nonce        uint64 `json:"nonce"`
		Op           uint8  `json:"op"`
		Key          string `json:"key"`
		Value        string `json:"value"`
		SigningBytes string `json:"signing_bytes"`
		Sig          string `json:"sig"`
		Encoded      string `json:"encoded"`
		Hash         string `json:"hash"`
	} `json:"tx"`
	Header struct {
		Height      uint64 `json:"height"`
		Seq         uint64 `json:"seq"`
		Parent      string `json:"parent"`
		TxRoot      string `json:"tx_root"`
		StateRoot   string `json:"state_root"`
		ResultsRoot string `json:"results_root"`
		Encoded     string `json:"encoded"`
		Hash        string `json:"hash"`
	} `json:"header"`
	Checkpoint struct {
		Seq                 uint64   `json:"seq"`
		Height              uint64   `json:"height"`
		Digest              string   `json:"digest"`
		ShareSigningBytes   string   `json:"share_signing_bytes"`
		Shares              []string `json:"shares"`        // replicas 0, 1, 2
		Signers             []uint32 `json:"signers"`       // replicas 0, 1, 2
		SignersBytes        string   `json:"signers_bytes"` // the signer bitmap: u8 length, replica i is bit i%8 of byte i/8
		Aggregate           string   `json:"aggregate"`
		AnnouncementSigning string   `json:"announcement_signing_bytes"` // replica 0's, for its Ed25519 signature
		AnnouncementSig     string   `json:"announcement_sig"`
		AnnouncementEncoded string   `json:"announcement_encoded"`
		StableProofEncoded  string   `json:"stable_proof_encoded"`
		ExecSigningBytes    string   `json:"exec_signing_bytes"`
		ExecSigners         []uint32 `json:"exec_signers"`       // replicas 1 and 3
		ExecSignersBytes    string   `json:"exec_signers_bytes"` // their signer bitmap
		ExecAggregate       string   `json:"exec_aggregate"`
	} `json:"checkpoint"`
}

func seed(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestWireVectors(t *testing.T) {
	var v vectors
	v.ChainID = vectorsChainID
	chainID := []byte(vectorsChainID)
	edKeys := make([]ed25519.PrivateKey, 4)
	blsKeys := make([]*bls.SecretKey, 4)
	for i := range 4 {
		edKeys[i] = ed25519.NewKeyFromSeed(seed(byte(0x10 + i)))
		sk, err := bls.KeyFromSeed(seed(byte(0x20 + i)))
		if err != nil {
			t.Fatal(err)
		}
		blsKeys[i] = sk
		pid, err := genesis.PeerIDOf(edKeys[i].Public().(ed25519.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		v.Replicas = append(v.Replicas, vectorReplica{Ed25519Seed: hex.EncodeToString(seed(byte(0x10 + i))),
			PubKey: hex.EncodeToString(edKeys[i].Public().(ed25519.PublicKey)), PeerID: pid.String(),
			BLSSeed: hex.EncodeToString(seed(byte(0x20 + i))), BLSPubKey: hex.EncodeToString(sk.PublicKey().Bytes()),
			BLSPoP: hex.EncodeToString(sk.ProvePossession().Bytes())})
	}

	// Transaction: version(1) client(32) nonce(8) op(1) version(8) keyLen(2) key valueLen(4) value sig(64),
	// signed over "sbft/tx/v1" chainLen(2) chain and the same bytes without the signature.
	clientKey := ed25519.NewKeyFromSeed(seed(0x01))
	tx := &chain.Tx{Nonce: 42, Op: chain.OpPut, Key: []byte("greeting"), Value: []byte("hello")}
	copy(tx.Client[:], clientKey.Public().(ed25519.PublicKey))
	tx.Sign(vectorsChainID, clientKey)
	body := cat([]byte{1}, tx.Client[:], be64(42), []byte{byte(chain.OpPut)}, be64(0), be16(8), []byte("greeting"), be32(5), []byte("hello"))
	signing := cat([]byte("sbft/tx/v1"), be16(uint16(len(chainID))), chainID, body)
	mustEqual(t, "tx signing bytes", tx.SigningBytes(vectorsChainID), signing)
	mustEqual(t, "tx encoding", tx.Marshal(), cat(body, tx.Sig[:]))
	if err := tx.VerifySig(vectorsChainID); err != nil {
		t.Fatal(err)
	}
	txHash, codeHash := sha256.Sum256(tx.Marshal()), chain.TxHash(tx.Marshal())
	mustEqual(t, "tx hash", codeHash[:], txHash[:])
	v.Tx.ClientSeed, v.Tx.Nonce, v.Tx.Op, v.Tx.Key, v.Tx.Value = hex.EncodeToString(seed(0x01)), 42, uint8(chain.OpPut), "greeting", "hello"
	v.Tx.SigningBytes, v.Tx.Sig = hex.EncodeToString(signing), hex.EncodeToString(tx.Sig[:])
	v.Tx.Encoded, v.Tx.Hash = hex.EncodeToString(tx.Marshal()), hex.EncodeToString(txHash[:])

	// Header: height(8) seq(8) parent(32) tx_root(32) state_root(32) results_root(32); hash = sha256 of it.
	h := chain.Header{Height: 150, Seq: 150, Parent: [32]byte{0xaa}, TxRoot: [32]byte{0xbb}, StateRoot: [32]byte{0xcc}, ResultsRoot: [32]byte{0xdd}}
	hdr := cat(be64(150), be64(150), h.Parent[:], h.TxRoot[:], h.StateRoot[:], h.ResultsRoot[:])
	mustEqual(t, "header encoding", h.Marshal(), hdr)
	hh := sha256.Sum256(hdr)
	mustEqual(t, "header hash", func() []byte { x := h.Hash(); return x[:] }(), hh[:])
	v.Header.Height, v.Header.Seq = 150, 150
	v.Header.Parent, v.Header.TxRoot = hex.EncodeToString(h.Parent[:]), hex.EncodeToString(h.TxRoot[:])
	v.Header.StateRoot, v.Header.ResultsRoot = hex.EncodeToString(h.StateRoot[:]), hex.EncodeToString(h.ResultsRoot[:])
	v.Header.Encoded, v.Header.Hash = hex.EncodeToString(hdr), hex.EncodeToString(hh[:])

	checkpointVectors(t, &v, edKeys, blsKeys, h)

	path := filepath.Join("testdata", "vectors.json")
	got, _ := json.MarshalIndent(v, "", "  ")
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the wire vectors changed (a format or signature change: if deliberate, rerun with -update and say so in docs/wire-format.md):\n%s", got)
	}
}

// checkpointVectors: the checkpoint digest, the BLS shares and certificate of replicas 0-2 (2f+1 of 4), replica 0's
// gossip announcement, the stable checkpoint proof and an execution certificate of replicas 1 and 3 (f+1).
func checkpointVectors(t *testing.T, v *vectors, edKeys []ed25519.PrivateKey, blsKeys []*bls.SecretKey, h chain.Header) {
	chainID := []byte(vectorsChainID)
	bh := h.Hash()
	digest := sha256.Sum256(cat([]byte("sbft/checkpoint/v1"), be16(uint16(len(chainID))), chainID, be64(h.Seq), be64(h.Height), bh[:], h.StateRoot[:]))
	mustEqual(t, "checkpoint digest", func() []byte {
		d := wire.CheckpointDigest(vectorsChainID, h.Seq, h.Height, bh, h.StateRoot)
		return d[:]
	}(), digest[:])
	share := cat([]byte("sbft/share/v1"), be16(uint16(len(chainID))), chainID, []byte{byte(consensus.CertCheckpoint)}, be64(0), be64(h.Seq), digest[:])
	mustEqual(t, "checkpoint share signing bytes", wire.ShareSigningBytes(vectorsChainID, consensus.CertCheckpoint, 0, h.Seq, digest), share)

	var sigs []bls.Signature
	var pks []bls.PublicKey
	c := &v.Checkpoint
	for i := range 3 {
		s := blsKeys[i].Sign(share)
		sigs, pks = append(sigs, s), append(pks, blsKeys[i].PublicKey())
		c.Shares = append(c.Shares, hex.EncodeToString(s.Bytes()))
	}
	agg := bls.Aggregate(sigs)
	if !bls.VerifyAggregate(pks, share, agg) {
		t.Fatal("checkpoint aggregate does not verify")
	}
	c.Seq, c.Height, c.Digest, c.ShareSigningBytes = h.Seq, h.Height, hex.EncodeToString(digest[:]), hex.EncodeToString(share)
	// Signer bitmap of replicas 0, 1, 2: length 1, then bits 0-2 of byte 0.
	signers := consensus.ReplicaSetOf(0, 1, 2)
	bitmap := []byte{1, 0b0000_0111}
	mustEqual(t, "signer bitmap", wire.AppendSigners(nil, signers), bitmap)
	c.Signers, c.SignersBytes, c.Aggregate = []uint32{0, 1, 2}, hex.EncodeToString(bitmap), hex.EncodeToString(agg.Bytes())

	// Replica 0's announcement: version(1)=1 replica(4) seq(8) height(8) block_hash(32) state_root(32)
	// share_len(1) share sig_len(1) sig; sig is Ed25519 over the consensus message's signing bytes:
	// "sbft/consensus/v1" chainLen(2) chain type(1)=13 from(4) view(8)=0 seq(8) digest(32) last_executed(8)=0
	// flags(1)=0 share.
	a := &wire.CheckpointAnnouncement{Replica: 0, Seq: h.Seq, Height: h.Height, BlockHash: bh, StateRoot: h.StateRoot, Share: sigs[0].Bytes()}
	msgSigning := cat([]byte("sbft/consensus/v1"), be16(uint16(len(chainID))), chainID, []byte{byte(consensus.MsgCheckpoint)},
		be32(0), be64(0), be64(h.Seq), digest[:], be64(0), []byte{0}, a.Share)
	mustEqual(t, "announcement signing bytes", wire.MessageSigningBytes(vectorsChainID, a.Message(vectorsChainID)), msgSigning)
	a.Sig = ed25519.Sign(edKeys[0], msgSigning)
	enc := cat([]byte{1}, be32(0), be64(h.Seq), be64(h.Height), bh[:], h.StateRoot[:], []byte{byte(len(a.Share))}, a.Share, []byte{byte(len(a.Sig))}, a.Sig)
	mustEqual(t, "announcement encoding", a.Marshal(), enc)
	c.AnnouncementSigning, c.AnnouncementSig, c.AnnouncementEncoded = hex.EncodeToString(msgSigning), hex.EncodeToString(a.Sig), hex.EncodeToString(enc)

	// Stable checkpoint proof: version(1)=2 seq(8) height(8) block_hash(32) state_root(32) signers sig_len(1) sig.
	p := &wire.StableCheckpointProof{Seq: h.Seq, Height: h.Height, BlockHash: bh, StateRoot: h.StateRoot, Signers: signers, Sig: agg.Bytes()}
	proof := cat([]byte{2}, be64(h.Seq), be64(h.Height), bh[:], h.StateRoot[:], bitmap, []byte{byte(len(p.Sig))}, p.Sig)
	mustEqual(t, "stable checkpoint proof", p.Marshal(), proof)
	c.StableProofEncoded = hex.EncodeToString(proof)

	// Execution certificate of replicas 1 and 3: shares over ShareSigningBytes(kind 4, view 0, seq = height,
	// digest = block hash); signer bitmap 01 0a (length 1, bits 1 and 3).
	exec := cat([]byte("sbft/share/v1"), be16(uint16(len(chainID))), chainID, []byte{byte(consensus.CertExec)}, be64(0), be64(h.Height), bh[:])
	mustEqual(t, "exec signing bytes", wire.ExecSigningBytes(vectorsChainID, h.Height, bh), exec)
	execAgg := bls.Aggregate([]bls.Signature{blsKeys[1].Sign(exec), blsKeys[3].Sign(exec)})
	if !bls.VerifyAggregate([]bls.PublicKey{blsKeys[1].PublicKey(), blsKeys[3].PublicKey()}, exec, execAgg) {
		t.Fatal("exec aggregate does not verify")
	}
	execBitmap := []byte{1, 0b0000_1010}
	mustEqual(t, "exec signer bitmap", wire.AppendSigners(nil, consensus.ReplicaSetOf(1, 3)), execBitmap)
	c.ExecSigningBytes, c.ExecSigners, c.ExecAggregate = hex.EncodeToString(exec), []uint32{1, 3}, hex.EncodeToString(execAgg.Bytes())
	c.ExecSignersBytes = hex.EncodeToString(execBitmap)
}

func mustEqual(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: the code gives\n%x\nthe documented layout\n%x", what, got, want)
	}
}
