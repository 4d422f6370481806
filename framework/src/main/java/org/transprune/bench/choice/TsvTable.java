package org.transprune.bench.choice;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.transprune.bench.BenchmarkDataException;
import org.transprune.bench.DataIssue;

/**
 * A tab-separated table as pandas' {@code read_table} reads MMBench files: a header row, fields
 * optionally in double quotes (a quoted field may hold tabs and newlines; {@code ""} is a quote).
 *
 * @param header column names
 * @param rows   cells per row, with the 1-based file line where each row starts in {@code lines}
 */
public record TsvTable(List<String> header, List<List<String>> rows, List<Integer> lines) {

    /** Reads {@code file} (UTF-8, optional BOM). */
    public static TsvTable read(Path file) throws IOException {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            List<List<String>> records = new ArrayList<>();
            List<Integer> starts = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder cell = new StringBuilder();
            int line = 1;
            int rowStart = 1;
            boolean quoted = false;
            boolean atCellStart = true;
            int c;
            boolean first = true;
            while ((c = r.read()) != -1) {
                if (first && c == '\uFEFF') {
                    first = false;
                    continue;
                }
                first = false;
                if (quoted) {
                    if (c == '"') {
                        r.mark(1);
                        int next = r.read();
                        if (next == '"') {
                            cell.append('"');
                        } else {
                            quoted = false;
                            if (next == -1) {
                                break;
                            }
                            c = next;
                            // fall through to unquoted handling of the character after the quote
                            if (handle(c, row, cell, records, starts, rowStart)) {
                                line += c == '\n' ? 1 : 0;
                                if (c == '\n') {
                                    row = new ArrayList<>();
                                    rowStart = line;
                                }
                                atCellStart = true;
                            } else {
                                atCellStart = false;
                            }
                        }
                    } else {
                        if (c == '\n') {
                            line++;
                        }
                        cell.append((char) c);
                    }
                    continue;
                }
                if (c == '"' && atCellStart) {
                    quoted = true;
                    atCellStart = false;
                    continue;
                }
                if (handle(c, row, cell, records, starts, rowStart)) {
                    if (c == '\n') {
                        line++;
                        row = new ArrayList<>();
                        rowStart = line;
                    }
                    atCellStart = true;
                } else {
                    atCellStart = false;
                }
            }
            if (cell.length() > 0 || !row.isEmpty()) {
                row.add(cell.toString());
                records.add(row);
                starts.add(rowStart);
            }
            if (records.isEmpty()) {
                throw new BenchmarkDataException(new DataIssue(file, 0, "empty table (no header row)"));
            }
            List<String> header = records.remove(0);
            starts.remove(0);
            return new TsvTable(header, records, starts);
        }
    }

    /** Handles an unquoted character; true when it ended a cell (tab or newline). */
    private static boolean handle(
            int c,
            List<String> row,
            StringBuilder cell,
            List<List<String>> records,
            List<Integer> starts,
            int rowStart) {
        if (c == '\t') {
            row.add(cell.toString());
            cell.setLength(0);
            return true;
        }
        if (c == '\n') {
            int len = cell.length();
            if (len > 0 && cell.charAt(len - 1) == '\r') {
                cell.setLength(len - 1);
            }
            row.add(cell.toString());
            cell.setLength(0);
            if (!(row.size() == 1 && row.get(0).isEmpty())) {
                records.add(row);
                starts.add(rowStart);
            }
            return true;
        }
        cell.append((char) c);
        return false;
    }

    /** Index of a column, or -1. */
    public int column(String name) {
        return header.indexOf(name);
    }
}
