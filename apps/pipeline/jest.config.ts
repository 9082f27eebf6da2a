export default {
  displayName: 'app-pipeline',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/pipeline',
};
