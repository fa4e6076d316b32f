package io.switchboard.bench;

import io.switchboard.bench.soak.SoakScenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar switchboard-bench.jar SCENARIO [--option value ...]}: runs one scenario and
 * prints its result as one JSON line on stdout (progress goes to stderr). {@code table FILE...}
 * prints result lines as a comparison table; {@code soak-plot FILE.csv...} writes a soak CSV's plot.
 * See bench/README.md.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            System.err.println(
                    "usage: SCENARIO [--name value ...]   scenarios: connect fanout channels api client-events soak\n"
                            + "       table FILE...                  results (JSON lines) as a comparison table\n"
                            + "       soak-plot FILE.csv...          (re)writes a soak CSV's plot beside it");
            System.exit(args.length == 0 ? 2 : 0);
        }
        if (args[0].equals("soak-plot")) {
            for (int i = 1; i < args.length; i++) {
                System.out.println(SoakScenario.plot(Path.of(args[i])));
            }
            return;
        }
        if (args[0].equals("table")) {
            List<Map<String, Object>> results = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                results.addAll(Table.read(Files.readAllLines(Path.of(args[i]))));
            }
            System.out.print(Table.render(results, "soketi"));
            return;
        }
        Options options = Options.parse(Arrays.asList(args).subList(1, args.length));
        Scenario scenario = scenario(args[0]);
        Map<String, Object> result;
        try {
            result = scenario.run(options);
        } catch (IllegalStateException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(1);
            return;
        }
        List<String> unused = options.unused();
        if (!unused.isEmpty()) {
            System.err.println("bench: options not used by " + args[0] + ": " + unused);
        }
        System.out.println(Json.write(result));
        System.out.flush();
        // Event-loop threads are daemons; nothing else keeps the JVM alive.
        System.exit(0);
    }

    public static Scenario scenario(String name) {
        return switch (name) {
            case "connect" -> new ConnectScenario();
            case "fanout" -> new FanoutScenario();
            case "channels" -> new ChannelsScenario();
            case "api" -> new ApiScenario();
            case "client-events" -> new ClientEventsScenario();
            case "soak" -> new SoakScenario();
            case "compression" -> new CompressionScenario();
            default -> throw new IllegalArgumentException("unknown scenario: " + name);
        };
    }
}
