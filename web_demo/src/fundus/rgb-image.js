/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved R, G, B: the layout of the
 * (H, W, 3) uint8 numpy arrays edgeseg's Python works on. Port of RgbImage.java.
 */
export class RgbImage {
  /** Wraps `pixels` (a Uint8Array of width * height * 3 bytes); not copied. */
  constructor(width, height, pixels) {
    if (!(width > 0 && height > 0)) throw new Error(`image size must be positive, got ${width}x${height}`);
    if (pixels.length !== width * height * 3) {
      throw new Error(`expected ${width * height * 3} bytes for ${width}x${height} RGB, got ${pixels.length}`);
    }
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  static black(width, height) {
    return new RgbImage(width, height, new Uint8Array(width * height * 3));
  }

  /** An image from RGBA bytes (canvas ImageData order); the alpha channel is dropped, as edgeseg's reader drops it. */
  static fromRgba(width, height, rgba) {
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < pixels.length; i += 3, j += 4) {
      pixels[i] = rgba[j];
      pixels[i + 1] = rgba[j + 1];
      pixels[i + 2] = rgba[j + 2];
    }
    return new RgbImage(width, height, pixels);
  }

  /** Channel c (0 R, 1 G, 2 B) of pixel (x, y). */
  get(x, y, c) {
    return this.pixels[(y * this.width + x) * 3 + c];
  }

  /** The pixels of `box` ({x0, y0, x1, y1}, end exclusive) as a new image (Box.crop). */
  crop(box) {
    const width = box.x1 - box.x0;
    const height = box.y1 - box.y0;
    const out = RgbImage.black(width, height);
    for (let y = 0; y < height; y++) {
      const start = ((box.y0 + y) * this.width + box.x0) * 3;
      out.pixels.set(this.pixels.subarray(start, start + width * 3), y * width * 3);
    }
    return out;
  }

  copy() {
    return new RgbImage(this.width, this.height, this.pixels.slice());
  }

  /** RGBA bytes (alpha 255) for a canvas ImageData. */
  toRgba() {
    const rgba = new Uint8ClampedArray(this.width * this.height * 4);
    for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
      rgba[j] = this.pixels[i];
      rgba[j + 1] = this.pixels[i + 1];
      rgba[j + 2] = this.pixels[i + 2];
      rgba[j + 3] = 255;
    }
    return rgba;
  }
}
