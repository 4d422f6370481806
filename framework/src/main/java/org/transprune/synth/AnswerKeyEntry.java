package org.transprune.synth;

/** One line of a dataset's answer key: the question with its id and image file. */
public record AnswerKeyEntry(long questionId, String image, Question question) {}
