package org.transprune.checkpoint;

/** A tensor the model needs is not in the checkpoint. */
public class MissingTensorException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    public MissingTensorException(String message) {
        super(message);
    }
}
