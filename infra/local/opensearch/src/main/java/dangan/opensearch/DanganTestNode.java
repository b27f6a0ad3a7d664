package dangan.opensearch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.transport.Netty4Plugin;

/**
 * A single-node OpenSearch for Dangan's tests, run from the Maven jars in lib/
 * instead of a distribution or Docker image. No bootstrap checks, no security
 * manager, no plugins beyond netty4 (HTTP and transport) and analysis-common.
 *
 *   java -Xms1g -Xmx1g -cp 'lib/*' dangan.opensearch.DanganTestNode DIR [HTTP_PORT]
 *
 * DIR (or $DANGAN_OPENSEARCH_HOME) is scratch: path.home and path.data.
 */
public final class DanganTestNode extends Node {

    private static final String LOG4J = String.join("\n",
        "appender.console.type = Console", "appender.console.name = console",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%c{1.}] %m%n",
        "rootLogger.level = warn", "rootLogger.appenderRef.console.ref = console",
        // a warning on every start that dangling indices are not auto-imported
        "logger.dangling.name = org.opensearch.gateway.DanglingIndicesState", "logger.dangling.level = error", "");

    private DanganTestNode(Environment environment) {
        super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }

    public static void main(String[] args) throws Exception {
        String dir = args.length > 0 ? args[0] : System.getenv().getOrDefault("DANGAN_OPENSEARCH_HOME", "/tmp/dangan-opensearch");
        String httpPort = args.length > 1 ? args[1] : "9200";
        Path home = Path.of(dir).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Settings settings = Settings.builder()
            .put("cluster.name", "dangan-test")
            .put("node.name", "node-1")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", "9300-9400")
            .put("discovery.type", "single-node")
            .put("http.type", Netty4Plugin.NETTY_HTTP_TRANSPORT_NAME)
            .put("transport.type", Netty4Plugin.NETTY_TRANSPORT_NAME)
            // scratch data on a nearly full /tmp must not turn indices read-only
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
        Files.writeString(home.resolve("config/log4j2.properties"), LOG4J);
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), null, () -> "dangan-test");
        LogConfigurator.registerErrorListener();
        LogConfigurator.configure(environment); // reads config/log4j2.properties

        Node node = new DanganTestNode(environment);
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "dangan-test-node-shutdown"));
        try {
            node.start();
        } catch (Throwable t) { // e.g. port taken: exit instead of lingering half-started
            t.printStackTrace();
            System.exit(1);
        }
        closed.await(); // node threads are daemons; keep the JVM alive until stopped
    }
}
