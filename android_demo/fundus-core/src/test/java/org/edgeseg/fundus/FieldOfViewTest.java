package org.edgeseg.fundus;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

/** Cases of {@code field_of_view_box} that the golden photographs do not reach. */
public class FieldOfViewTest {
    @Test
    public void aBlackImageFallsBackToTheWholeImage() {
        assertEquals(new Box(0, 0, 40, 30), FieldOfView.box(RgbImage.black(40, 30)));
    }

    @Test
    public void theBoxIsTheLargestBrightRegionGrownByTheMargin() {
        RgbImage image = RgbImage.black(200, 100);
        paint(image, 20, 10, 60, 50, 200);   // the larger region: 40 x 40
        paint(image, 120, 10, 150, 40, 250); // a smaller, brighter one
        // rows 10-49, columns 20-59, grown by 0.005 * 200 = 1 px and 0.005 * 100 = 0.5 px
        assertEquals(new Box(19, 9, 61, 51), FieldOfView.box(image));
    }

    @Test
    public void equalRegionsResolveToTheFirstInOpenCvLabelOrder() {
        // OpenCV labels by 2x2 blocks: the region starting at row 1, column 0 comes before the one
        // starting at row 0, column 100, though raster order would put the latter first.
        RgbImage image = RgbImage.black(200, 100);
        paint(image, 0, 1, 30, 31, 200);
        paint(image, 100, 0, 130, 30, 200);
        assertEquals(new Box(0, 0, 31, 32), FieldOfView.box(image));
    }

    private static void paint(RgbImage image, int x0, int y0, int x1, int y1, int value) {
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                image.set(x, y, 0, value);
            }
        }
    }
}
