// Round-trip check for the local broker: create a topic, produce, consume, delete.
// Run via `scripts/kafka.sh smoke` (java's single-file launcher, kafka-clients from .local/kafka/libs),
// so verifying the broker needs neither kafka-tools nor Node.
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;

public class Smoke {
    public static void main(String[] args) throws Exception {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String topic = "smoke-" + System.currentTimeMillis();
        int n = 3;

        Properties common = new Properties();
        common.put("bootstrap.servers", bootstrap);
        common.put("request.timeout.ms", "10000");
        common.put("default.api.timeout.ms", "20000");

        try (Admin admin = Admin.create(common)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            try {
                Properties pp = new Properties();
                pp.putAll(common);
                pp.put("acks", "all");
                pp.put("enable.idempotence", "true");
                try (Producer<String, String> p = new KafkaProducer<>(pp, new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get();
                }

                Properties cp = new Properties();
                cp.putAll(common);
                cp.put("group.id", topic + "-group");
                cp.put("auto.offset.reset", "earliest");
                List<String> got = new ArrayList<>();
                try (Consumer<String, String> c = new KafkaConsumer<>(cp, new StringDeserializer(), new StringDeserializer())) {
                    c.subscribe(List.of(topic));
                    long deadline = System.currentTimeMillis() + 30_000;
                    while (got.size() < n && System.currentTimeMillis() < deadline) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) got.add(r.value());
                    }
                    c.commitSync();
                }
                if (!got.equals(List.of("v0", "v1", "v2"))) {
                    System.err.println("smoke FAILED: consumed " + got);
                    System.exit(1);
                }
                System.out.println("smoke ok: produced and consumed " + n + " records on " + topic + " via " + bootstrap);
            } finally {
                // Best effort: a failure above must not be masked by cleanup errors.
                try { admin.deleteConsumerGroups(List.of(topic + "-group")).all().get(); } catch (Exception ignored) { }
                try { admin.deleteTopics(List.of(topic)).all().get(); } catch (Exception ignored) { }
            }
        }
    }
}
