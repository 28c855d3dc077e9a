package org.edgeseg.fundusapp

import android.content.ContentResolver
import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.ImageDecoder
import android.net.Uri
import android.os.Build
import org.edgeseg.fundus.RgbImage

/** Decodes the picture at [uri] as a software ARGB_8888 bitmap (orientation applied on API 28+). */
fun ContentResolver.decodeBitmap(uri: Uri): Bitmap =
    if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.P) {
        ImageDecoder.decodeBitmap(ImageDecoder.createSource(this, uri)) { decoder, _, _ ->
            decoder.allocator = ImageDecoder.ALLOCATOR_SOFTWARE
        }.copy(Bitmap.Config.ARGB_8888, false)
    } else {
        openInputStream(uri).use { stream ->
            BitmapFactory.decodeStream(stream, null, BitmapFactory.Options().apply { inPreferredConfig = Bitmap.Config.ARGB_8888 })
        } ?: error("cannot decode $uri as an image")
    }

/** The bitmap's pixels as the library's RGB image (alpha dropped). */
fun Bitmap.toRgbImage(): RgbImage {
    val argb = IntArray(width * height)
    getPixels(argb, 0, width, 0, 0, width, height)
    return RgbImage.fromArgb(width, height, argb)
}

fun RgbImage.toBitmap(): Bitmap =
    Bitmap.createBitmap(toArgb(), width(), height(), Bitmap.Config.ARGB_8888)
