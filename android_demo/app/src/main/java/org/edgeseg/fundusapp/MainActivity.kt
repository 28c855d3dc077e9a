package org.edgeseg.fundusapp

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.viewModels
import org.edgeseg.fundusapp.ui.DemoScreen
import org.edgeseg.fundusapp.ui.DemoTheme

class MainActivity : ComponentActivity() {
    private val viewModel: DemoViewModel by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        setContent {
            DemoTheme {
                DemoScreen(viewModel)
            }
        }
    }
}
