package org.transprune.records;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * Where a record came from: its configuration hash and seed, the code (project version, git commit), the libraries
 * (DJL, PyTorch), the machine (device, host) and when the work started and ended; for LLaVA-NeXT
 * models also the AnyRes rule set the images were read under ({@code anyres}: hf or llava, absent
 * otherwise).
 */
@JsonPropertyOrder({
    "config_hash",
    "seed",
    "project_version",
    "git_commit",
    "djl",
    "pytorch",
    "device",
    "host",
    "started_at",
    "ended_at",
    "code",
    "anyres"
})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record RecordProvenance(
        String configHash,
        long seed,
        String projectVersion,
        String gitCommit,
        String djl,
        String pytorch,
        String device,
        String host,
        @Volatile String startedAt,
        @Volatile String endedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) Code code,
        @JsonInclude(JsonInclude.Include.NON_NULL) String anyres) {

    /** A provenance without an AnyRes rule set (single-view models). */
    public RecordProvenance(
            String configHash,
            long seed,
            String projectVersion,
            String gitCommit,
            String djl,
            String pytorch,
            String device,
            String host,
            String startedAt,
            String endedAt,
            Code code) {
        this(configHash, seed, projectVersion, gitCommit, djl, pytorch, device, host, startedAt, endedAt, code, null);
    }
}
