// Package e2e runs real sbft replica processes (the built binary) on 127.0.0.1 over real libp2p and pebble,
// and checks what users rely on: agreement, durability across restarts, fault tolerance, and rejection of bad
// input. No mock network: in-memory fakes belong to unit tests and the simulator.
package e2e
