package org.transprune.cli;

/** A problem with what the user asked for; printed as one line, without a stack trace. */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }
}
