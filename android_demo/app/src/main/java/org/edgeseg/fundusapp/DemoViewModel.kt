package org.edgeseg.fundusapp

import android.app.Application
import android.graphics.Bitmap
import android.net.Uri
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.viewModelScope
import java.io.FileNotFoundException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import org.edgeseg.fundus.OverlayRenderer

/** What the screen shows. */
data class DemoState(
    val segmenter: FundusSegmenter? = null,
    val busy: Boolean = true,
    val error: String? = null,
    val segmentation: Segmentation? = null,
    val shown: Set<String> = emptySet(),
    val overlay: Bitmap? = null,
)

/** Loads the model once, analyses the photographs the user picks, and redraws on toggles. */
class DemoViewModel(application: Application) : AndroidViewModel(application) {
    private val mutableState = MutableStateFlow(DemoState())
    val state: StateFlow<DemoState> = mutableState.asStateFlow()

    init {
        viewModelScope.launch {
            val loaded = withContext(Dispatchers.IO) {
                runCatching { FundusSegmenter.fromAsset(application, BuildConfig.MODEL_ASSET) }
            }
            mutableState.update { state ->
                loaded.fold(
                    onSuccess = { state.copy(segmenter = it, busy = false, shown = it.metadata.lesions().toSet()) },
                    onFailure = { error ->
                        val message = if (error is FileNotFoundException) {
                            application.getString(R.string.no_model, BuildConfig.MODEL_ASSET)
                        } else {
                            "Cannot load the model: ${error.message}"
                        }
                        state.copy(busy = false, error = message)
                    },
                )
            }
        }
    }

    /** Decodes, preprocesses and segments the photograph at [uri] off the main thread. */
    fun analyse(uri: Uri) {
        val segmenter = state.value.segmenter ?: return
        mutableState.update { it.copy(busy = true, error = null) }
        viewModelScope.launch {
            val result = withContext(Dispatchers.Default) {
                runCatching {
                    val image = getApplication<Application>().contentResolver.decodeBitmap(uri).toRgbImage()
                    segmenter.segment(image)
                }
            }
            mutableState.update { state ->
                result.fold(
                    onSuccess = { state.copy(busy = false, segmentation = it, overlay = render(it, state.shown)) },
                    onFailure = { error ->
                        val message = if (error is UngradablePhotograph) error.message else "Cannot analyse this picture: ${error.message}"
                        state.copy(busy = false, segmentation = null, overlay = null, error = message)
                    },
                )
            }
        }
    }

    /** Shows or hides [lesion] on the overlay. */
    fun toggle(lesion: String) {
        mutableState.update { state ->
            val shown = if (lesion in state.shown) state.shown - lesion else state.shown + lesion
            state.copy(shown = shown, overlay = state.segmentation?.let { render(it, shown) })
        }
    }

    override fun onCleared() {
        state.value.segmenter?.close()
    }

    private fun render(segmentation: Segmentation, shown: Set<String>): Bitmap =
        OverlayRenderer.render(segmentation.prepared.displaySquare(), segmentation.findings, shown).toBitmap()
}
