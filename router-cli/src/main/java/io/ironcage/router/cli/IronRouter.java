package io.ironcage.router.cli;

import io.ironcage.router.core.errors.ConfigException;
import io.ironcage.router.core.errors.LlmRouterException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code iron-router} command: {@code serve} runs the router from {@code router.yaml}, {@code
 * demo} runs it in front of fake providers, {@code report} shows usage from a SQLite analytics
 * store, {@code prices} what a model is charged.
 *
 * <p>Exit codes: 0 on success, 2 for a usage or configuration error, 1 when the router cannot start
 * (e.g. the port is taken). Router errors are printed as one line, {@code iron-router: <message>},
 * without a stack trace.
 */
@Command(
        name = "iron-router",
        mixinStandardHelpOptions = true,
        versionProvider = IronRouter.Version.class,
        description = {
            "A local LLM proxy in front of OpenAI and Anthropic: agents get a token and a base URL,"
                    + " the router holds the provider keys and enforces the budget.",
            ""
        },
        commandListHeading = "%nCommands:%n",
        footer = {
            "",
            "Exit codes: 0 ok, 1 the router could not start, 2 usage or configuration error.",
            "Run 'iron-router help COMMAND' or 'iron-router COMMAND --help' for a command's options."
        })
public final class IronRouter implements Runnable {
    /** What a configuration error or a usage error exits with. */
    static final int EXIT_USAGE = 2;

    /** What a failure to start (a taken port, a missing transport) exits with. */
    static final int EXIT_FAILURE = 1;

    @Spec CommandSpec spec;

    /** Creates the root command; see {@link #commandLine()} for the whole command line. */
    public IronRouter() {}

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * Returns the command line with its subcommands, ready to {@link CommandLine#execute execute}.
     *
     * @return the command line
     */
    public static CommandLine commandLine() {
        return commandLine(new ServeCommand(), new DemoCommand());
    }

    static CommandLine commandLine(ServeCommand serve, DemoCommand demo) {
        return new CommandLine(new IronRouter())
                .addSubcommand("serve", serve)
                .addSubcommand("demo", demo)
                .addSubcommand("report", new ReportCommand())
                .addSubcommand("prices", new PricesCommand())
                .addSubcommand("help", new CommandLine.HelpCommand())
                .setExecutionExceptionHandler(
                        (e, commandLine, parseResult) -> {
                            if (!(e instanceof LlmRouterException)) {
                                throw e;
                            }
                            commandLine.getErr().println("iron-router: " + e.getMessage());
                            return e instanceof ConfigException ? EXIT_USAGE : EXIT_FAILURE;
                        });
    }

    /** Without a subcommand: a usage error that lists the commands. */
    @Override
    public void run() {
        throw new ParameterException(
                spec.commandLine(), "Missing command: serve, demo, report or prices.");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = IronRouter.class.getPackage().getImplementationVersion();
            return new String[] {
                "iron-router " + (version == null ? "(development build)" : version),
                "Java ${java.version} (${java.vendor})"
            };
        }
    }
}
