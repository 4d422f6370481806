package org.transprune.train;

import java.util.ArrayList;
import java.util.List;
import org.transprune.synth.Question;
import org.transprune.synth.QuestionType;

/**
 * Where the object nouns of a question should attend under the training-only attention supervision
 * ({@link TrainingRecipe.Phase#attention()}).
 */
final class AttentionTargets {
    private AttentionTargets() {}

    /**
     * One supervised noun.
     *
     * @param token index of the noun among the question's tokens
     * @param columns key columns it should attend to uniformly, relative to the image start
     */
    record Target(int token, int[] columns) {}

    /**
     * The attention targets of a question: for each object noun of its text ({@code nouns}: indices
     * among its tokens, in order), the patches it should attend to: a relation's first noun its
     * subject's patches, its second noun the reference's; every other question's noun all of the
     * question's relevant patches. Nouns without relevant patches (an absent object) are left out.
     * With {@code countAnchors}, a count question's nouns attend to the first token and each counted
     * object's anchor patch instead (see {@link TrainingRecipe.Phase#countAnchors()}).
     *
     * @param prefixLength tokens before the image block (the first token's column is {@code -prefixLength})
     */
    static List<Target> of(Question q, List<Integer> nouns, int grid, boolean countAnchors, int prefixLength) {
        List<Target> out = new ArrayList<>();
        if (countAnchors && q.type() == QuestionType.COUNT) {
            // One anchor per counted object plus the sequence's first token (offset back by the image start).
            int[] columns = new int[q.objects().size() + 1];
            columns[0] = -prefixLength;
            for (int j = 0; j < q.objects().size(); j++) {
                columns[j + 1] = NounProbe.centreCell(q.objects().get(j), grid, q.width(), q.height());
            }
            for (int n : nouns) {
                out.add(new Target(n, columns));
            }
            return out;
        }
        if (q.type() == QuestionType.RELATION
                && nouns.size() == 2
                && q.objects().size() == 2) {
            for (int j = 0; j < 2; j++) {
                int[] patches = new Question(
                                q.type(),
                                q.text(),
                                q.answer(),
                                List.of(q.objects().get(j)),
                                q.width(),
                                q.height())
                        .relevantPatches(grid);
                if (patches.length > 0) {
                    out.add(new Target(nouns.get(j), patches));
                }
            }
            return out;
        }
        int[] all = q.relevantPatches(grid);
        if (all.length > 0) {
            for (int n : nouns) {
                out.add(new Target(n, all));
            }
        }
        return out;
    }
}
