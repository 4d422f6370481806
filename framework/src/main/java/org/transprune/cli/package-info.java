/** The {@code transprune} command-line tool: one picocli command class per subcommand. */
package org.transprune.cli;
