package org.transprune.image;

/** An image file is missing or cannot be decoded; the message names the file. */
public class ImageReadException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ImageReadException(String message) {
        super(message);
    }

    public ImageReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
