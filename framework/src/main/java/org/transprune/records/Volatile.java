package org.transprune.records;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record field whose value depends on the process's history (timings, wall-clock times, whether an image was
 * already encoded by the same process), not on the work: two runs of the same work may differ there. Collected in
 * {@link Records#VOLATILE_FIELDS}, the one definition every comparison of records (resume, merge, tests) uses.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface Volatile {}
