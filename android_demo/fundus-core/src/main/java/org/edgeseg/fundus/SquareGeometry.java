package org.edgeseg.fundus;

/**
 * Where the model's square comes from in the photograph: the field-of-view box, the zero
 * padding that centres it in a square, and the square's side; what {@code Preprocessing.geometry}
 * in {@code edgeseg/inference/preprocessing.py} returns.
 */
public final class SquareGeometry {
    private final Box box;
    private final int padTop;
    private final int padLeft;
    private final int side;

    public SquareGeometry(Box box, int padTop, int padLeft, int side) {
        this.box = box;
        this.padTop = padTop;
        this.padLeft = padLeft;
        this.side = side;
    }

    public Box box() {
        return box;
    }

    public int padTop() {
        return padTop;
    }

    public int padLeft() {
        return padLeft;
    }

    /** The square's side in photograph pixels; 0 when the model card disables padding. */
    public int side() {
        return side;
    }
}
