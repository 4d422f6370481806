package org.transprune.run;

import java.util.List;

/** An experiment file that cannot run, with every problem found (not just the first). */
public final class ExperimentException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<ExperimentProblem> problems;

    public ExperimentException(List<ExperimentProblem> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    public List<ExperimentProblem> problems() {
        return problems;
    }

    /** One problem as one line ({@code file:line: key: message}); several under a count, one a line. */
    private static String describe(List<ExperimentProblem> problems) {
        if (problems.size() == 1) {
            return problems.get(0).toString();
        }
        StringBuilder sb = new StringBuilder();
        sb.append(problems.size()).append(" problems in the experiment file:");
        for (ExperimentProblem p : problems) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}
