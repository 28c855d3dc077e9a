package org.edgeseg.fundus;

/**
 * The model input from a preprocessed square; mirrors {@code square_to_input} in
 * {@code edgeseg/inference/runners.py}: float32 RGB values 0-255 (not normalised: the exported model
 * normalises inside its graph), batch of one, in the file's layout.
 */
public final class ModelInput {
    private ModelInput() {
    }

    /** {@code square_to_input(square, layout)}, flattened: {@code 3 * side * side} floats. */
    public static float[] fromSquare(RgbImage square, Layout layout) {
        int pixels = square.width() * square.height();
        byte[] rgb = square.pixels();
        float[] input = new float[pixels * 3];
        for (int i = 0; i < pixels; i++) {
            for (int c = 0; c < 3; c++) {
                int index = layout == Layout.NHWC ? i * 3 + c : c * pixels + i;
                input[index] = rgb[i * 3 + c] & 0xFF;
            }
        }
        return input;
    }
}
