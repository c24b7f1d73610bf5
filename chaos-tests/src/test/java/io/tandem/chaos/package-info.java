/**
 * Tandem's chaos suite ("our own Jepsen"): real {@code tandem node} processes, one per Linux
 * network namespace on a private bridge ({@link io.tandem.chaos.ChaosNetwork}), workload clients
 * as embedded members in their own processes ({@link io.tandem.chaos.ChaosClient}), a seeded
 * {@link io.tandem.chaos.Nemesis} (nftables partitions, SYN drops, kill -9, SIGSTOP, libfaketime
 * clock skew, iptables packet loss), and one checker per workload over the recorded histories.
 * {@link io.tandem.chaos.ChaosTest} runs it under {@code -Pchaos} as root; the checkers are proven
 * on known-bad histories by {@link io.tandem.chaos.CheckersTest} in every build. See docs/chaos.md.
 */
package io.tandem.chaos;
