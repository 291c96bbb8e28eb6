// Package mutant names the planted bugs: one switch per safety rule, each breaking that rule in production
// code, so that tests can show a safety checker catches the break (`make mutants`).
//
// In an ordinary build On is a constant false and the compiler removes every planted branch: production
// binaries carry no switch. Built with the tag `mutants`, On reports whether the bug named by the environment
// variable SBFT_MUTANT (or by Set, in tests) is active. At most one bug is active in a process.
//
// The pure consensus core imports nothing of the project, so it keeps a switch of its own for its bugs
// (consensus/planted*.go), which Set also sets.
package mutant

// Bug names one planted bug.
type Bug string

// The catalogue: every safety rule with its planted break. Keep Catalogue in step.
const (
	SlowQuorum        Bug = "slow-quorum"         // prepare and commit certificates of 2f+c shares instead of 2f+c+1
	FastQuorum        Bug = "fast-quorum"         // fast-path certificates one share short of n (3f+c+1)
	ViewChangeQuorum  Bug = "viewchange-quorum"   // a NewView with 2f+2c ViewChanges instead of 2f+2c+1
	CheckpointQuorum  Bug = "checkpoint-quorum"   // a stable checkpoint of f+1 shares instead of 2f+c+1
	AnyPrimary        Bug = "any-primary"         // a backup accepts a PrePrepare from a replica that is not the primary
	NewViewLowest     Bug = "newview-lowest"      // the new view keeps the lowest-view prepare certificate
	OlderViews        Bug = "older-views"         // messages of older views are taken as current
	OutOfOrder        Bug = "out-of-order"        // two batches that commit together trade contents
	SkipPersist       Bug = "skip-persist"        // the driver sends before persisting what it signed
	NonceReplay       Bug = "nonce-replay"        // the application accepts a replayed nonce
	TransferHashChain Bug = "transfer-hash-chain" // state transfer does not link fetched blocks by hash
	SMTLeafValue      Bug = "smt-leaf-value"      // the state tree's leaf hash ignores the value
	ExecQuorum        Bug = "exec-quorum"         // a client accepts an execution certificate of f signers instead of f+1
	ResultProof       Bug = "result-proof"        // a client takes a result of a block it proved before without its Merkle path
	ReadProof         Bug = "read-proof"          // a client takes a proven read's value without its state proof
	ReplyQuorum       Bug = "reply-quorum"        // a client decides on f matching replies instead of f+1
	ExecSignerRange   Bug = "exec-signer-range"   // a client counts execution-certificate signers beyond n
	BlockCertBatch    Bug = "block-cert-batch"    // a client node takes a block's commit certificate of another batch
	CertCacheDigest   Bug = "cert-cache-digest"   // the verifier's certificate cache key leaves out the digest
	CheckpointCert    Bug = "checkpoint-cert"     // the verifier takes a checkpoint certificate of f+1 signers
	NewViewDuplicates Bug = "newview-duplicates"  // a NewView's quorum counts two ViewChanges of one replica
	NewViewSignatures Bug = "newview-signatures"  // a NewView's ViewChanges are taken without their signatures
	// PrePrepareUnverified: execution takes an ordered batch's transactions as signature-checked
	PrePrepareUnverified Bug = "preprepare-unverified"
	UnprovenResult       Bug = "unproven-result"   // a client takes a BlockReply's results without certificate or paths
	UnknownAsFailed      Bug = "unknown-as-failed" // a client reports a call that ended without an outcome as failed
)

// Catalogue lists every planted bug, in the order `make mutants` runs them.
var Catalogue = []Bug{SlowQuorum, FastQuorum, ViewChangeQuorum, CheckpointQuorum, AnyPrimary, NewViewLowest,
	OlderViews, OutOfOrder, SkipPersist, NonceReplay, TransferHashChain, SMTLeafValue, ExecQuorum, ResultProof,
	ReadProof, ReplyQuorum, ExecSignerRange, BlockCertBatch, CertCacheDigest, CheckpointCert, NewViewDuplicates,
	NewViewSignatures, PrePrepareUnverified, UnprovenResult, UnknownAsFailed}
