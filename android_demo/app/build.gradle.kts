plugins {
    alias(libs.plugins.android.application)
    alias(libs.plugins.kotlin.android)
    alias(libs.plugins.kotlin.compose)
}

/** The asset the app loads; copyModel writes the chosen export under this name. */
val modelAsset = "edgeseg_model.tflite"

android {
    namespace = "org.edgeseg.fundusapp"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.edgeseg.fundusapp"
        minSdk = 24
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
        buildConfigField("String", "MODEL_ASSET", "\"$modelAsset\"")
    }

    buildTypes {
        release {
            isMinifyEnabled = false
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_11
        targetCompatibility = JavaVersion.VERSION_11
    }
    kotlinOptions {
        jvmTarget = "11"
    }
    buildFeatures {
        compose = true
        buildConfig = true
    }
    androidResources {
        // The interpreter maps the model; a compressed asset cannot be mapped.
        noCompress += "tflite"
    }
}

dependencies {
    implementation(project(":fundus-core"))
    implementation(libs.androidx.core.ktx)
    implementation(libs.androidx.activity.compose)
    implementation(libs.androidx.lifecycle.viewmodel.compose)
    implementation(platform(libs.androidx.compose.bom))
    implementation(libs.androidx.compose.ui)
    implementation(libs.androidx.compose.material3)
    implementation(libs.kotlinx.coroutines.android)
    implementation(libs.litert)
}

// ./gradlew :app:copyModel -PedgesegModel=/path/to/u2xs-mt_fp32.tflite
// copies a file written by `edgeseg export --target tflite` into the app's assets.
tasks.register<Copy>("copyModel") {
    group = "edgeseg"
    description = "Copies the .tflite given with -PedgesegModel=PATH into src/main/assets/$modelAsset."
    val model = providers.gradleProperty("edgesegModel").map { path ->
        val source = file(path)
        require(source.isFile && source.name.endsWith(".tflite")) { "-PedgesegModel=$path is not a .tflite file" }
        source
    }
    from(model.orElse(providers.provider { throw GradleException("pass the exported model: -PedgesegModel=/path/to/model.tflite") }))
    into(layout.projectDirectory.dir("src/main/assets"))
    rename { modelAsset }
}
