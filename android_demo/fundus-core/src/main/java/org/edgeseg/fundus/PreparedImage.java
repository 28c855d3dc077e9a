package org.edgeseg.fundus;

/** A photograph after {@link Preprocessing#prepare}: where the square came from and the squares themselves. */
public final class PreparedImage {
    private final SquareGeometry geometry;
    private final RgbImage displaySquare;
    private final RgbImage modelSquare;

    PreparedImage(SquareGeometry geometry, RgbImage displaySquare, RgbImage modelSquare) {
        this.geometry = geometry;
        this.displaySquare = displaySquare;
        this.modelSquare = modelSquare;
    }

    public SquareGeometry geometry() {
        return geometry;
    }

    /** The cropped, padded and resized square before CLAHE, for showing the overlay on. */
    public RgbImage displaySquare() {
        return displaySquare;
    }

    /** The square the model is fed ({@code Preprocessing.image_to_square}). */
    public RgbImage modelSquare() {
        return modelSquare;
    }
}
