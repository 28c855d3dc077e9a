package org.edgeseg.fundusapp.ui

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.FilterQuality
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import org.edgeseg.fundusapp.DemoViewModel
import org.edgeseg.fundusapp.R
import org.edgeseg.fundusapp.ResultText
import org.edgeseg.fundusapp.Segmentation
import org.edgeseg.fundus.LesionColours
import org.edgeseg.fundus.LesionFinding
import org.edgeseg.fundus.ModelMetadata

/**
 * Notice, photo picker, overlay, the screening verdict with the findings in words (for a model that grades or carries a grader), legend
 * with toggles, areas and timings.
 */
@Composable
fun DemoScreen(viewModel: DemoViewModel) {
    val state by viewModel.state.collectAsState()
    val pick = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        uri?.let(viewModel::analyse)
    }
    Surface(modifier = Modifier.fillMaxSize()) {
        Column(
            modifier = Modifier.safeDrawingPadding().verticalScroll(rememberScrollState()).padding(16.dp),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            Notice(state.segmenter?.metadata)
            state.error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            val segmenter = state.segmenter
            if (segmenter != null) {
                Text(ResultText.model(segmenter.metadata.model(), segmenter.metadata.precision(), segmenter.metadata.inputSize()))
                Button(
                    onClick = { pick.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly)) },
                    enabled = !state.busy,
                ) { Text(stringResource(R.string.choose_photo)) }
            }
            if (state.busy) {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    CircularProgressIndicator(modifier = Modifier.size(24.dp))
                    Text(stringResource(if (segmenter == null) R.string.loading_model else R.string.analysing))
                }
            }
            val segmentation = state.segmentation
            val overlay = state.overlay
            if (segmenter != null && segmentation != null && overlay != null) {
                Image(
                    bitmap = overlay.asImageBitmap(),
                    contentDescription = stringResource(R.string.overlay_description),
                    filterQuality = FilterQuality.None,
                    modifier = Modifier.fillMaxWidth().aspectRatio(1f),
                )
                segmentation.verdict?.let { Verdict(ResultText.verdict(it, segmenter.metadata) + segmentation.words) }
                Text(ResultText.timing(segmentation.inferenceMillis, segmentation.preprocessingMillis, segmenter.threads))
                Legend(segmentation, segmenter.metadata, state.shown, viewModel::toggle)
            }
        }
    }
}

@Composable
private fun Notice(metadata: ModelMetadata?) {
    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.errorContainer)) {
        Column(modifier = Modifier.padding(12.dp)) {
            Text(stringResource(R.string.notice_title), fontWeight = FontWeight.Bold, style = MaterialTheme.typography.titleMedium)
            metadata?.let { Text(it.notice(), style = MaterialTheme.typography.bodySmall) }
        }
    }
}

/** The verdict of a screening model, marked research use only. */
@Composable
private fun Verdict(lines: List<String>) {
    Card(colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer)) {
        Column(modifier = Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(stringResource(R.string.verdict_title), fontWeight = FontWeight.Bold, style = MaterialTheme.typography.titleSmall)
            lines.forEach { Text(it) }
            Text(stringResource(R.string.verdict_notice), style = MaterialTheme.typography.bodySmall)
        }
    }
}

@Composable
private fun Legend(segmentation: Segmentation, metadata: ModelMetadata, shown: Set<String>, onToggle: (String) -> Unit) {
    Text(stringResource(R.string.legend), style = MaterialTheme.typography.titleSmall)
    val size = metadata.inputSize()
    segmentation.findings.forEach { finding -> LegendRow(finding, metadata.lesionName(finding.lesion()), size, finding.lesion() in shown, onToggle) }
}

@Composable
private fun LegendRow(finding: LesionFinding, name: String, size: Int, shown: Boolean, onToggle: (String) -> Unit) {
    Row(
        modifier = Modifier.fillMaxWidth().clickable { onToggle(finding.lesion()) },
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Spacer(
            modifier = Modifier.size(20.dp).background(Color(LesionColours.argb(finding.lesion())), RoundedCornerShape(4.dp)),
        )
        Spacer(modifier = Modifier.width(12.dp))
        Column(modifier = Modifier.weight(1f)) {
            Text("${finding.lesion()} $name", fontWeight = FontWeight.SemiBold)
            Text(ResultText.area(finding, size), style = MaterialTheme.typography.bodySmall)
            Text(ResultText.threshold(finding), style = MaterialTheme.typography.bodySmall)
        }
        Switch(checked = shown, onCheckedChange = { onToggle(finding.lesion()) })
    }
}
