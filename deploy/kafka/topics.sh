#!/bin/sh
# Creates llo-match's topics and their dead-letter topics with partitions and retention set
# explicitly (the brokers run with auto.create.topics.enable=false). Idempotent: an existing
# topic is left as it is (raise partitions with kafka-topics.sh --alter, never lower them).
# Used by docker-compose.yml's kafka-init step; run it once against a managed cluster too:
#   KAFKA_BOOTSTRAP=broker:9092 REPLICATION_FACTOR=3 MIN_INSYNC_REPLICAS=2 sh deploy/kafka/topics.sh
set -eu

BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
TOPICS_BIN="${KAFKA_TOPICS_BIN:-/opt/kafka/bin/kafka-topics.sh}"
REPLICATION_FACTOR="${REPLICATION_FACTOR:-1}"
MIN_INSYNC_REPLICAS="${MIN_INSYNC_REPLICAS:-1}"
# Events stay 30 days: a consumer down longer than that rebuilds from its producer's store.
EVENT_RETENTION_MS="${EVENT_RETENTION_MS:-2592000000}"
# Dead letters stay 90 days: time to read, fix and replay them (`llo dlq replay`).
DLQ_RETENTION_MS="${DLQ_RETENTION_MS:-7776000000}"
DLQ_PARTITIONS="${DLQ_PARTITIONS:-1}"

# topic, partitions. Key = aggregate id, so partitions bound how many replicas of a consuming
# service share the work (deploy/README.md, "Sizing"). The list is docs/events.md's topics.
TOPICS="
catalogue.provider.v1 3
catalogue.offering.v1 6
catalogue.cohort.v1 12
catalogue.consortium.v1 3
recruitment.campaign.v1 6
recruitment.application.v1 12
matching.demand.v1 6
matching.candidate.v1 6
matching.proposal.v1 6
matching.placement.v1 12
matching.surcharge.v1 6
billing.invoice.v1 12
billing.payment.v1 6
"

create() {
  "$TOPICS_BIN" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor "$REPLICATION_FACTOR" \
    --config "retention.ms=$3" --config "min.insync.replicas=$MIN_INSYNC_REPLICAS" \
    --config cleanup.policy=delete
}

echo "$TOPICS" | while read -r topic partitions; do
  [ -n "$topic" ] || continue
  create "$topic" "$partitions" "$EVENT_RETENTION_MS"
  create "$topic.dlq" "$DLQ_PARTITIONS" "$DLQ_RETENTION_MS"
done
echo "llo-match topics ready on $BOOTSTRAP"
