package org.transprune.cli;

import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;
import org.transprune.bench.BenchmarkDataException;
import org.transprune.checkpoint.CheckpointException;
import org.transprune.checkpoint.TensorType;
import org.transprune.model.ComputeDtype;
import org.transprune.model.DeviceChoice;
import org.transprune.model.EngineStart;
import org.transprune.prune.Plugins;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code transprune} command-line tool. */
@Command(
        name = "transprune",
        mixinStandardHelpOptions = true,
        versionProvider = VersionInfo.class,
        description = "Visual-token pruning for LLaVA-style models: run, sweep, score and report.",
        subcommands = {
            CommandLine.HelpCommand.class,
            GenerateCommand.class,
            BenchCommand.class,
            FlopsCommand.class,
            EvalCommand.class,
            SynthCommand.class,
            StrategiesCommand.class,
            InspectCommand.class,
            RunCommand.class,
            MergeCommand.class,
            SlurmCommand.class,
            TableCommand.class,
            TrainMicroCommand.class,
            MakeCheckpointCommand.class,
            DoctorCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Adds plug-ins before the subcommand looks strategies up; accepted before or after the subcommand's name. */
    @CommandLine.Option(
            names = "--plugins",
            paramLabel = "PATHS",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Strategy plug-ins: jars or class folders (a folder's *.jar too), separated by '"
                    + "${sys:path.separator}'; added to TRANSPRUNE_PLUGINS.")
    void plugins(String paths) {
        Plugins.add(paths);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Builds the command line with the project's error handling (messages, not stack traces). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Enum options (--weights, --device, --dtype) are converted by picocli, in any case.
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.registerConverter(DeviceChoice.class, s -> {
            try {
                return DeviceChoice.parse(s);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        });
        cl.registerConverter(ComputeDtype.class, s -> {
            try {
                return ComputeDtype.parse(s);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        });
        cl.registerConverter(TensorType.class, MakeCheckpointCommand::parseDtype);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof UserError
                    || ex instanceof IllegalArgumentException
                    || ex instanceof EngineStart.EngineStartException
                    || ex instanceof CheckpointException
                    || ex instanceof BenchmarkDataException
                    || ex instanceof FileNotFoundException
                    || ex instanceof NoSuchFileException) {
                String msg = ex instanceof NoSuchFileException ? "no such file: " + ex.getMessage() : ex.getMessage();
                cmd.getErr().println(cmd.getColorScheme().errorText("error: " + msg));
                if (System.getenv("TRANSPRUNE_DEBUG") != null) {
                    ex.printStackTrace(cmd.getErr());
                }
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    public static void main(String[] args) {
        Runtime.init();
        System.exit(commandLine().execute(args));
    }
}
