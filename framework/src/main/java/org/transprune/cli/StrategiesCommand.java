package org.transprune.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.transprune.prune.ParameterSpec;
import org.transprune.prune.SchedulePreset;
import org.transprune.prune.Strategies;
import org.transprune.prune.StrategyCode;
import org.transprune.prune.StrategyProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code transprune strategies}: the pruning strategies registered on the class path, each with
 * its parameters, their types and defaults.
 */
@Command(
        name = "strategies",
        mixinStandardHelpOptions = true,
        description = {
            "List the registered pruning strategies with their parameters, types and defaults.",
            "Example: transprune strategies transprune",
        })
public final class StrategiesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Show only this strategy.")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<StrategyProvider> providers = name == null ? Strategies.providers() : List.of(Strategies.provider(name));
        if (providers.isEmpty()) {
            out.println("no strategies are registered (is the strategies jar on the class path?)");
        }
        for (int i = 0; i < providers.size(); i++) {
            if (i > 0) {
                out.println();
            }
            print(providers.get(i), out);
        }
        if (name == null) {
            out.println();
            out.println("schedules (`schedule: NAME` in an experiment, --schedule NAME on the command line):");
            for (SchedulePreset s : SchedulePreset.all()) {
                out.println(String.format(
                        "  %-10s layers %s ratios %s window %s - %s",
                        s.name(), s.layers(), s.ratios(), s.window(), s.description()));
            }
        }
        out.flush();
        return 0;
    }

    private static void print(StrategyProvider p, PrintWriter out) {
        out.println(p.name() + " - " + p.description());
        StrategyCode code = StrategyCode.of(p);
        out.println("  code " + code.version() + " digest " + code.digest() + " (" + code.source() + ")");
        List<ParameterSpec> params = p.parameters();
        if (params.isEmpty()) {
            out.println("  (no parameters)");
            return;
        }
        int nameWidth = params.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        int typeWidth = params.stream()
                .mapToInt(s -> s.type().describe().length())
                .max()
                .orElse(0);
        int defaultWidth =
                params.stream().mapToInt(s -> describeDefault(s).length()).max().orElse(0);
        for (ParameterSpec s : params) {
            out.println(String.format(
                    "  %-" + nameWidth + "s  %-" + typeWidth + "s  default %-" + defaultWidth + "s  %s",
                    s.name(),
                    s.type().describe(),
                    describeDefault(s),
                    s.description()
                            + (s.isBudget()
                                    ? " [budget parameter: solved over "
                                            + s.budget().describe()
                                            + (s.type() == ParameterSpec.Type.DOUBLE_LIST ? " by scaling the list" : "")
                                            + " when a budget is given]"
                                    : "")));
        }
    }

    private static String describeDefault(ParameterSpec s) {
        return s.defaultValue() == null ? "(required)" : String.valueOf(s.defaultValue());
    }
}
